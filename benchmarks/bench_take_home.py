"""A sample suite with the take-home plugin against the same suite recreating its tables for every test.

    python benchmarks/bench_take_home.py [--runs 7] [--copies 10] [--database postgresql|sqlite]
                                         [--sqlalchemy 2.1] [--pytest 9]

The suite is tests/samples/plain_sqlalchemy with its test module copied ``--copies`` times (5 tests each, plus
one). One fresh virtual environment holds the plugin's wheel and the sample's own dependencies, as in the sample
harness. ``plugin``: the sample as it is (module-scoped seed, every test rolled back). ``recreate``: the same
tests with benchmarks/take_home_recreate_conftest.py instead of its conftest (tables created and dropped around
every test, the seed made again each time) and the plugin disabled. The two run in turn, in alternating order,
each on a database of its own (a new database of one embedded PostgreSQL, or a new SQLite file). Figures: each
whole pytest process (wall), and the tests' own time (junit's total of setup, call and teardown); the ratio is
the median of the pairs' recreate/plugin.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import report

from support.database.embedded.provider import serve_embedded
from support.database.own_database import own_database
from tests.helpers.take_home import SampleCase, fresh_venv, plugin_wheel, run_sample

RECREATE_CONFTEST = Path(__file__).resolve().parent / "take_home_recreate_conftest.py"
TESTS_IN_THE_MODULE = 5  # tests/test_ledger.py's; tests/test_other_module.py adds one


def projects(directory: Path, case: SampleCase, copies: int) -> dict[str, Path]:
    """The two variants of the sample, each with its test module copied ``copies`` times."""
    made = {}
    for variant in ("plugin", "recreate"):
        project = Path(shutil.copytree(case.project, directory / variant / case.sample))
        for number in range(1, copies):
            shutil.copy(project / "tests" / "test_ledger.py", project / "tests" / f"test_ledger_{number}.py")
        if variant == "recreate":
            shutil.copy(RECREATE_CONFTEST, project / "tests" / "conftest.py")
        made[variant] = project
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sqlalchemy", default="2.1")
    parser.add_argument("--pytest", default="9")
    options = parser.parse_args()
    case = SampleCase("plain_sqlalchemy", options.sqlalchemy, options.pytest)
    expected_tests = TESTS_IN_THE_MODULE * options.copies + 1
    with tempfile.TemporaryDirectory(prefix="bench-take-home-") as temporary, ExitStack() as lifetime:
        directory = Path(temporary)
        python = fresh_venv(directory / "venv", *case.requirements(plugin_wheel(directory)))
        variants = projects(directory, case, options.copies)
        server = lifetime.enter_context(serve_embedded()) if options.database == "postgresql" else None
        wall: dict[str, list[float]] = {"plugin": [], "recreate": []}
        tests: dict[str, list[float]] = {"plugin": [], "recreate": []}
        for run_number in range(options.runs):
            order = ["plugin", "recreate"] if run_number % 2 == 0 else ["recreate", "plugin"]
            for variant in order:
                workdir = Path(tempfile.mkdtemp(dir=directory))
                with ExitStack() as database:
                    if server is not None:
                        url = database.enter_context(own_database(server.admin_url, "bench"))
                        sync_url = url.render_as_string(hide_password=False)
                    else:
                        sync_url = f"sqlite:///{workdir}/bench.db"
                    options_for = ["-p", "no:sqlalchemy_session_spec"] if variant == "recreate" else []
                    run = run_sample(python, variants[variant], workdir, sync_url, sync_url, *options_for)
                if run.exit_code or run.counts["tests"] != expected_tests:
                    sys.exit(f"the {variant} run failed: {run.describe()}")
                wall[variant].append(run.seconds)
                tests[variant].append(run.test_seconds)
        label = f"{case.sample} x{options.copies} ({expected_tests} tests), {options.database}"
        print(f"{label}, SQLAlchemy {options.sqlalchemy}, pytest {options.pytest}, {options.runs} runs each, in turn")
        for variant in ("plugin", "recreate"):
            report(f"{variant}: pytest process", wall[variant], "s", None)
            report(f"{variant}: tests' own time", tests[variant], "s", None)
        for name, figures in (("process", wall), ("tests' own time", tests)):
            ratios = [
                recreate / plugin for plugin, recreate in zip(figures["plugin"], figures["recreate"], strict=True)
            ]
            print(f"recreate/plugin, {name}: median of pairs {statistics.median(ratios):.2f} "
                  f"(min {min(ratios):.2f}, max {max(ratios):.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
