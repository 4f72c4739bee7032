"""Per-scenario overhead of the harness, and the wall time of a whole specification run.

    python benchmarks/bench_harness.py [--scenarios 200] [--runs 3] [pytest options, e.g. --db=url --db-url=...]

Overhead: a generated feature of N scenarios whose steps do no work of their own but take the fixtures every
scenario takes (database reset, observer, SQL log, outcome, sessions). Per scenario, setup + call + teardown,
as pytest reports them; the median over all scenarios. Whole run: wall time of ``pytest steps``, median of runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from figures import report

ROOT = Path(__file__).resolve().parent.parent
TARGET_OVERHEAD_MS = 5.0

STEPS = textwrap.dedent("""
    import json, os
    from pytest_bdd import given, scenarios, then, when

    scenarios("overhead.feature")

    @given("the harness is ready")
    def _(database, observer, sql_log, outcome, sessions):
        pass

    @when("nothing happens")
    def _(outcome):
        outcome.attempt(lambda: None)

    @then("nothing was sent")
    def _(sql_log):
        assert sql_log.during("when") == []
""")

COLLECTOR = textwrap.dedent("""
    import json, os
    pytest_plugins = ["support.pytest_plugin"]
    DURATIONS = {}

    def pytest_runtest_logreport(report):
        DURATIONS[report.nodeid] = DURATIONS.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(session):
        with open(os.environ["BENCH_DURATIONS"], "w") as out:
            json.dump(DURATIONS, out)
""")


def overhead_ms(scenarios: int, pytest_options: list[str]) -> list[float]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        feature = "Feature: overhead\n" + "".join(
            f"  Scenario: scenario {n}\n    Given the harness is ready\n    When nothing happens\n"
            "    Then nothing was sent\n"
            for n in range(scenarios)
        )
        (folder / "overhead.feature").write_text(feature)
        (folder / "test_overhead.py").write_text(STEPS)
        (folder / "conftest.py").write_text(COLLECTOR)
        (folder / "pytest.ini").write_text("[pytest]\n")
        durations = folder / "durations.json"
        environment = dict(os.environ, BENCH_DURATIONS=str(durations), PYTHONPATH=str(ROOT))
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_options],
            cwd=folder,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        values = sorted(json.loads(durations.read_text()).values())
    # the first scenario pays for the run's database and schema: that is start-up, not per-scenario cost
    return [value * 1000 for value in values[:-1]]


def whole_run_seconds(runs: int, pytest_options: list[str]) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "steps", "-q", *pytest_options],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    arguments, pytest_options = parser.parse_known_args()
    print(
        f"machine: {os.cpu_count()} cores, /dev/shm {'present' if Path('/dev/shm').is_dir() else 'absent'}, "
        f"Python {sys.version.split()[0]}"
    )
    report("per-scenario overhead", overhead_ms(arguments.scenarios, pytest_options), "ms", TARGET_OVERHEAD_MS)
    report("whole run (pytest steps)", whole_run_seconds(arguments.runs, pytest_options), "s", None)


if __name__ == "__main__":
    main()
