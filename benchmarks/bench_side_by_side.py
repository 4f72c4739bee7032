"""Whole runs of the specification in random orders, k at a time, as tests/reliability/test_isolation.py runs its
twenty (SIDE_BY_SIDE): wall of the batch and CPU of its runs, for each k, the ks taken in turn round after round so
that each round's figures share the machine's load. Medians per k, and each k's ratio to the first k, round by round.

    python3 benchmarks/bench_side_by_side.py --at-once 2 3 4 --runs 6 --rounds 3 -- .nox/spec-2-1/bin/pytest steps

Run from the checkout whose code is measured (its PYTHONPATH set to it); set SPEC_PG_DATA_ROOT. Each run gets
``-v -p randomly --randomly-seed=<n> --spec-results=<a file of its own>`` as the isolation test's runs do (and
``-p no:cacheprovider``), each run a seed of its own.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor


def one_run(command: list[str], seed: int) -> float:
    """CPU seconds (user + system, the run and all it waited for) of one run; a failed run is printed."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryDirectory() as results:
        arguments = [*command, "-v", "-p", "no:cacheprovider", "-p", "randomly", f"--randomly-seed={seed}",
                     f"--spec-results={results}/results.json"]  # fmt: skip
        process = subprocess.Popen(arguments, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status):
            output.seek(0)
            print(f"FAILED (seed {seed}):\n{output.read().decode(errors='replace')[-3000:]}", flush=True)
    return usage.ru_utime + usage.ru_stime


def batch(command: list[str], runs: int, at_once: int, first_seed: int) -> tuple[float, float]:
    """Wall seconds of ``runs`` runs, ``at_once`` at a time, and their CPU seconds."""
    started = time.perf_counter()
    with ThreadPoolExecutor(at_once) as pool:
        cpu = sum(pool.map(lambda seed: one_run(command, seed), range(first_seed, first_seed + runs)))
    return time.perf_counter() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at-once", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # see bench_loop.py: runs get the default
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    figures: dict[int, list[tuple[float, float]]] = {k: [] for k in options.at_once}
    seed = 1
    for round_ in range(options.rounds):
        for k in options.at_once:
            wall, cpu = batch(command, options.runs, k, seed)
            seed += options.runs
            figures[k].append((wall, cpu))
            load = os.getloadavg()[0]
            print(f"round {round_ + 1}, {k} at once: wall {wall:7.1f} s  cpu {cpu:7.1f} s  load {load:.1f}", flush=True)
    first = options.at_once[0]
    for k, taken in figures.items():
        walls, cpus = [wall for wall, _ in taken], [cpu for _, cpu in taken]
        ratios = [wall / base for (wall, _), (base, _) in zip(taken, figures[first], strict=True)]
        print(
            f"{k} at once: wall median {statistics.median(walls):.1f} s ({min(walls):.1f} to {max(walls):.1f}), "
            f"cpu median {statistics.median(cpus):.1f} s, wall / {first} at once {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f} to {max(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
