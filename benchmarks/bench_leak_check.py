"""What the session-leak check costs a test: 1,000 tests run with session_leak_check = fail and with it off.

    .nox/spec-2-1/bin/python benchmarks/bench_leak_check.py [--runs 3] [--tests 1000]

A project of two modules, ``--tests`` tests each: one where every test opens a Session on the real database
(embedded PostgreSQL), runs a SELECT and closes it; one where every test does nothing. Each module runs as a pytest
process of its own with the check off and with it on, in turn, alternating which goes first. Figures per test:
the difference of the medians of setup + teardown (where the check works; timed from pytest's report of each
phase), of the call (where the census notes each begin, and the database answers), of the whole process's wall
time and of its CPU time. Besides: the check's watch timed in-process, and how long a dropped Session left in
its transaction keeps its connection (the garbage collector's part).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ElementTree
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import report

from support.database.embedded.provider import serve_embedded
from support.database.own_database import own_database

TARGET_MS = 1.0  # per test, the limit
CONFTEST = """
    import json
    import os

    import pytest
    from sqlalchemy import create_engine

    PHASES = {"setup": 0.0, "call": 0.0, "teardown": 0.0}


    def pytest_runtest_logreport(report):
        PHASES[report.when] += report.duration


    def pytest_sessionfinish(session):
        with open(os.environ["BENCH_PHASES"], "w") as phases:
            json.dump(PHASES, phases)


    @pytest.fixture(scope="session")
    def engine():
        engine = create_engine(os.environ["BENCH_DATABASE_URL"])
        yield engine
        engine.dispose()
"""
MODULES = {
    "session": """
        import pytest
        from sqlalchemy import text
        from sqlalchemy.orm import Session


        @pytest.mark.parametrize("number", range({tests}))
        def test_a_session(engine, number):
            with Session(engine) as session:
                assert session.execute(text("SELECT 1")).scalar() == 1
    """,
    "nothing": """
        import pytest


        @pytest.mark.parametrize("number", range({tests}))
        def test_nothing(number):
            pass
    """,
}


def write_project(directory: Path, tests: int) -> None:
    (directory / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    for name, source in MODULES.items():
        (directory / f"test_{name}.py").write_text(textwrap.dedent(source).replace("{tests}", str(tests)))
    (directory / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def run(directory: Path, module: str, check: str, url: str, tests: int) -> tuple[float, float, dict]:
    """One pytest process: its wall time, its CPU time (user + system) and the tests' own time by phase (setup,
    call, teardown), in seconds. The check works in setup and teardown (and notes each begin during the call);
    the call also waits for the database, the noisiest part on a shared machine."""
    junit = directory / f"junit-{module}-{check}.xml"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    environment["BENCH_DATABASE_URL"] = url
    environment["BENCH_PHASES"] = str(directory / f"phases-{module}-{check}.json")
    command = [sys.executable, "-m", "pytest", f"test_{module}.py", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
               "-p", "no:xdist", "-o", f"session_leak_check={check}", f"--junitxml={junit}"]  # fmt: skip
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=directory, env=environment, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    counted = int(suite.get("tests")) - int(suite.get("failures")) - int(suite.get("errors"))
    if completed.returncode or counted != tests:
        said = completed.stdout[-3000:] + completed.stderr[-2000:]
        sys.exit(f"the {module} run with the check {check} failed:\n{said}")
    return wall, cpu, json.loads(Path(environment["BENCH_PHASES"]).read_text())


def in_process(url: str, iterations: int) -> dict[str, float]:
    """The check's own work, timed in this process: a watch started and ended around each iteration, against the
    same iteration alone (a Session opened, a SELECT, closed; or nothing). Microseconds an iteration."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session
    from sqlalchemy_session_spec import leaks

    engine = create_engine(url)

    def with_session():
        with Session(engine) as session:
            session.execute(text("SELECT 1"))

    leaks.end_watch(leaks.start_watch())  # the census and the listener, once
    spent = {(name, check): 0.0 for name in ("session", "nothing") for check in ("off", "fail")}
    for name, work in (("session", with_session), ("nothing", lambda: None)):
        for iteration in range(iterations):  # in turn, so that the machine's load falls on both alike
            for check in ("off", "fail") if iteration % 2 == 0 else ("fail", "off"):
                started = time.perf_counter()
                watch = leaks.start_watch() if check == "fail" else None
                work()
                if watch is not None:
                    assert leaks.end_watch(watch) == []
                spent[name, check] += time.perf_counter() - started
    figures = {key: total / iterations * 1e6 for key, total in spent.items()}
    engine.dispose()
    return figures


def until_collected(url: str, limit: int = 10_000) -> int | None:
    """Garbage: a Session left in a transaction and dropped keeps its connection checked out until the collector
    runs. How many further sessions (each opened, a SELECT, closed) until the pool has it back; None: not within
    ``limit``."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    engine = create_engine(url)
    Session(engine).execute(text("SELECT 1"))  # left in its transaction; nothing references it
    for count in range(limit):
        if engine.pool.checkedout() == 0:
            engine.dispose()
            return count
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
    engine.dispose()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tests", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-leak-check-") as temporary, ExitStack() as lifetime:
        directory = Path(temporary)
        write_project(directory, options.tests)
        server = lifetime.enter_context(serve_embedded())
        url = lifetime.enter_context(own_database(server.admin_url, "bench")).render_as_string(hide_password=False)
        walls = {(module, check): [] for module in MODULES for check in ("off", "fail")}
        cpus = {key: [] for key in walls}
        fixtures = {key: [] for key in walls}  # setup + teardown
        calls = {key: [] for key in walls}
        for run_number in range(options.runs):
            for module in MODULES:
                for check in ("off", "fail") if run_number % 2 == 0 else ("fail", "off"):
                    wall, cpu, phases = run(directory, module, check, url, options.tests)
                    walls[module, check].append(wall)
                    cpus[module, check].append(cpu)
                    fixtures[module, check].append(phases["setup"] + phases["teardown"])
                    calls[module, check].append(phases["call"])
        collected = [until_collected(url) for _ in range(options.runs)]
        micro = [in_process(url, options.tests) for _ in range(options.runs)]
        print(f"{options.tests} tests a module, {options.runs} runs of each, in turn")
        print(f"a dropped Session left in its transaction: its connection back after {collected} further sessions")
        for module in MODULES:
            off = statistics.median(figures[module, "off"] for figures in micro)
            on = statistics.median(figures[module, "fail"] for figures in micro)
            print(
                f"{module}, in process: {off:.1f} us an iteration without the watch, {on:.1f} us with it: "
                f"+{on - off:.1f} us"
            )
        for (module, check), values in fixtures.items():
            report(f"{module}, check {check}: setup+teardown", values, "s", None)
            report(f"{module}, check {check}: call", calls[module, check], "s", None)
            report(f"{module}, check {check}: process", walls[module, check], "s", None)
            report(f"{module}, check {check}: CPU", cpus[module, check], "s", None)
        for module in MODULES:
            measures = (("setup+teardown", fixtures), ("call", calls), ("process", walls), ("process CPU", cpus))
            for name, figures in measures:
                cost = statistics.median(figures[module, "fail"]) - statistics.median(figures[module, "off"])
                per_test = cost / options.tests * 1000
                verdict = "ok" if per_test <= TARGET_MS else "over"
                print(f"{module}: the check adds {per_test:.3f} ms a test ({name}; target <= {TARGET_MS} ms) {verdict}")


if __name__ == "__main__":
    main()
