"""Soak: the whole specification many times in a row, one process per run, on an otherwise quiet machine.

    python benchmarks/bench_soak.py [--runs 50] [-- PYTEST OPTIONS]   e.g. -- --db=url --db-url=postgresql://...

After every run it counts what runs left behind compared with before the first (run directories, postgres
processes, orphaned shared memory, temp files, and with --db=url the server's spec_* databases) and prints the
growth; any growth is a leak. Run durations are reported as a median.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from figures import report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("pytest_options", nargs="*")
    options = parser.parse_args()
    from tests.helpers.workspaces import enterable_workspace, soak

    url = next((o.split("=", 1)[1] for o in options.pytest_options if o.startswith("--db-url=")), None)
    seconds, failed, leaks = [], 0, {}
    with enterable_workspace("spec-soak-") as workspace:
        for number, finished in enumerate(soak(options.runs, workspace, *options.pytest_options, service_url=url), 1):
            seconds.append(finished.seconds)
            failed += finished.returncode != 0
            leaks = finished.growth
            print(f"run {number:>3}: {finished.seconds:6.1f} s, exit {finished.returncode}, left {leaks or 'nothing'}")
    report("whole specification, per run", seconds, "s", None)
    print(f"runs: {len(seconds)}, failed: {failed}, left behind after the last: {leaks or 'nothing'}")
    sys.exit(1 if failed or leaks else 0)


if __name__ == "__main__":
    main()
