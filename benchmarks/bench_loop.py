"""One command run in two checkouts in turn (old, new, old, new, ...): wall and CPU seconds of each run, with
everything it started and waited for (web servers, PostgreSQL, child pytest runs), medians side by side and the
median of the pairs' ratios. The machine is shared and noisy: CPU seconds and ratios say more than wall seconds.

    python3 benchmarks/bench_loop.py --old ../old-checkout --new . --runs 5 -- \\
        .nox/spec-2-1/bin/pytest steps -q -p no:randomly

The command runs in each checkout's directory (relative paths are the checkout's own); the environment is passed
on, so set SPEC_PG_DATA_ROOT for both. A run that fails is reported with the tail of its output, and counted.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def timed(command: list[str], checkout: Path) -> tuple[float, float]:
    """Wall and CPU (user + system, the process and its waited-for descendants) seconds of one run."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=checkout, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # the rusage of the run and of all it waited for
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            output.seek(0)
            print(f"FAILED in {checkout}:\n{output.read().decode(errors='replace')[-3000:]}", flush=True)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    # started in the background by a shell without job control, this process ignores SIGINT, and so would every
    # run it starts (the kill tests' SIGINT would then miss): each run gets the default
    signal.signal(signal.SIGINT, signal.default_int_handler)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    figures: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for run in range(options.runs):
        for name in ("old", "new"):
            wall, cpu = timed(command, getattr(options, name).resolve())
            figures[name].append((wall, cpu))
            print(f"run {run + 1} {name}: wall {wall:7.1f} s  cpu {cpu:7.1f} s", flush=True)
    for index, measure in enumerate(("wall", "cpu")):
        old = [run[index] for run in figures["old"]]
        new = [run[index] for run in figures["new"]]
        ratios = [n / o for o, n in zip(old, new, strict=True)]
        print(
            f"{measure}: old median {statistics.median(old):.2f} s ({min(old):.2f} to {max(old):.2f}), "
            f"new median {statistics.median(new):.2f} s ({min(new):.2f} to {max(new):.2f}), "
            f"new/old median of pairs {statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
