"""The embedded server: time to ready from cold and from the cache, and its memory.

    python benchmarks/bench_embedded.py [--runs 7]

Cold = initdb + start (the cluster cache removed first); cached = copy of the cached cluster + start.
Memory = the proportional set size (PSS) of the postmaster and all its children after a few queries.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import report

from support.database.embedded import cache_dir_for, data_root, default_bin_dir, serve_embedded

TARGETS = {"ready, cold": 1.0, "ready, cached": 0.25, "server PSS": 60.0}


def time_to_ready(cold: bool) -> float:
    if cold:
        shutil.rmtree(cache_dir_for(default_bin_dir()), ignore_errors=True)
    started = time.perf_counter()
    with serve_embedded():
        return time.perf_counter() - started


def server_pss_mib() -> float:
    with serve_embedded() as handle:
        engine = create_engine(handle.admin_url, poolclass=NullPool)
        with engine.connect() as connection:
            for _ in range(20):
                connection.execute(text("SELECT count(*) FROM pg_class")).scalar()
            postmaster_pid = int(
                (Path(handle.admin_url.query["host"]).parent / "data" / "postmaster.pid").read_text().split()[0]
            )
            postmaster = psutil.Process(postmaster_pid)
            processes = [postmaster, *postmaster.children(recursive=True)]
            total = sum(process.memory_full_info().pss for process in processes)
        engine.dispose()
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"machine: {os.cpu_count()} cores, data root {data_root()}, binaries {default_bin_dir()}")
    time_to_ready(cold=False)  # warm the binaries into the page cache
    report("ready, cold", [time_to_ready(cold=True) for _ in range(runs)], "s", TARGETS["ready, cold"])
    report("ready, cached", [time_to_ready(cold=False) for _ in range(runs)], "s", TARGETS["ready, cached"])
    report("server PSS", [server_pss_mib() for _ in range(runs)], "MiB", TARGETS["server PSS"])


if __name__ == "__main__":
    main()
