"""Private directories for runs of the suite: a workspace the embedded server's account may enter, a data root of
its own, and the soak that runs the specification many times in one."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.helpers.child_runs import run
from tests.helpers.from_support import PRODUCT_DIR, cache_dir_for, default_bin_dir
from tests.helpers.leftovers import leftovers, our_postgres_processes


@contextmanager
def enterable_workspace(prefix: str = "spec-reliability-") -> Iterator[Path]:
    """A new directory that the embedded server's account may enter (pytest's tmp_path is private to us)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        os.chmod(directory, 0o755)
        yield Path(directory)


@contextmanager
def private_data_root() -> Iterator[Path]:
    """A ``SPEC_PG_DATA_ROOT`` of its own that the server's account may enter, its cluster cache seeded from the
    shared one when that exists (no initdb); any server still running in it is killed at the end."""
    with enterable_workspace("spec-kills-") as base:
        try:
            shared = cache_dir_for(default_bin_dir())
            if shared.is_dir():
                (base / PRODUCT_DIR / "cache").mkdir(parents=True)
                subprocess.run(["cp", "-a", str(shared), str(base / PRODUCT_DIR / "cache" / shared.name)], check=True)
            yield base
        finally:
            for process in our_postgres_processes(base / PRODUCT_DIR):
                with suppress(psutil.Error):
                    process.kill()


@dataclass(frozen=True)
class SoakRun:
    seconds: float
    returncode: int
    output_tail: str
    growth: dict[str, list]  # what is left now that was not there before the first run


def soak(runs: int, workspace: Path, *pytest_options: str, service_url: str | None = None) -> Iterator[SoakRun]:
    """The whole specification ``runs`` times in a row, one process each; after every run, what is left
    behind compared with before the first.

    ``workspace``: a private directory for the runs' data root and temp directory, so that other runs on the
    machine do not count; the server's account must be able to enter it (``enterable_workspace``).
    ``service_url``: the server the runs use with ``--db=url``, whose spec_* databases then count too.
    Orphaned shared memory is counted machine-wide for our accounts: soak on an otherwise quiet machine.
    """
    data_root_dir, temp_dir = workspace / "data", workspace / "tmp"
    data_root_dir.mkdir(exist_ok=True)
    temp_dir.mkdir(exist_ok=True)
    root = data_root_dir / "sqlalchemy-session-spec"
    environment = {"SPEC_PG_DATA_ROOT": str(data_root_dir), "TMPDIR": str(temp_dir)}
    before = leftovers(root, service_url, temp_dir)
    for _ in range(runs):
        started = time.perf_counter()
        completed = run("steps", "-q", "-p", "no:randomly", *pytest_options, env=environment)
        seconds = time.perf_counter() - started
        growth = leftovers(root, service_url, temp_dir).growth_since(before)
        yield SoakRun(seconds, completed.returncode, completed.stdout[-3000:], growth)
