"""The living documentation's render time, and the whole matrix's wall time with warm environments.

    python benchmarks/bench_docs_and_matrix.py [--renders 7] [--matrix-runs 3] [--skip-matrix]

Render: ``python -m support.report.site`` on the results in results/ (run the specification first), as a
process (what ``dev.py spec`` pays) and in-process (the rendering alone). Matrix: ``nox -s spec`` for every
SQLAlchemy line with the environments already built (nox reuses them), the specification run serially.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(command: list[str], **options) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, **options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=7)
    parser.add_argument("--matrix-runs", type=int, default=3)
    parser.add_argument("--skip-matrix", action="store_true")
    options = parser.parse_args()

    from support.report.site import render

    with tempfile.TemporaryDirectory() as out:
        as_process = [
            timed([sys.executable, "-m", "support.report.site", "--out", out]) for _ in range(options.renders)
        ]
        in_process = []
        for _ in range(options.renders):
            started = time.perf_counter()
            render(ROOT / "results", Path(out))
            in_process.append(time.perf_counter() - started)
    report("docs render, as a process", as_process, "s", 2.0)
    report("docs render, in-process", in_process, "s", 2.0)

    if not options.skip_matrix:
        nox = [
            str(ROOT / ".venv" / "bin" / "nox"),
            "--no-install",
            "--sessions",
            "spec",
            "--",
            "-q",
            "-p",
            "no:randomly",
        ]
        environment = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        timed(nox, env=environment)  # warm: environments built and reused
        walls = [timed(nox, env=environment) for _ in range(options.matrix_runs)]
        report("matrix, 3 lines, warm", walls, "s", 60.0)


if __name__ == "__main__":
    main()
