"""What runs of the suite leave behind on the machine and the service, at one moment.

Nothing here mocks a server or a process.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import psutil

from tests.helpers.child_runs import ROOT
from tests.helpers.from_support import data_root, server_account, sysv_segments
from tests.helpers.service import SERVICE_URL, service_answers, spec_databases

SHM = Path("/dev/shm")


@dataclass(frozen=True)
class Leftovers:
    """What runs of the suite could leave behind, at one moment."""

    run_directories: frozenset[str]  # run-* under the embedded data root
    postgres_processes: frozenset[int]  # postgres processes working inside the embedded data root
    shm_segments: frozenset[str]  # PostgreSQL's POSIX segments in /dev/shm that no process has mapped
    sysv_segments: frozenset[int]  # System V segments no process is attached to
    spec_databases: frozenset[str]  # spec_* databases on the service (empty when it does not answer)
    temp_entries: frozenset[str]  # entries of the temp directory the runs were given

    def growth_since(self, before: Leftovers) -> dict[str, list]:
        """What is here now and was not before, by kind (kinds with nothing new are left out)."""
        grown = {}
        for kind in fields(self):
            new = getattr(self, kind.name) - getattr(before, kind.name)
            if new:
                grown[kind.name] = sorted(new)
        return grown


def leftovers(
    root: Path | None = None, service_url: str | None = SERVICE_URL, temp_dir: Path | None = None
) -> Leftovers:
    """A snapshot. ``root``: the embedded data root the runs use (SPEC_PG_DATA_ROOT's product directory);
    ``temp_dir``: the TMPDIR the runs were given.

    Other runs on the machine (or on the service) show up too: give each test's runs a private data root and
    temp directory, and compare databases by name, not by count.
    """
    root = root or data_root()
    owners = our_accounts()
    return Leftovers(
        run_directories=frozenset(path.name for path in root.glob("run-*")),
        postgres_processes=frozenset(process.pid for process in our_postgres_processes(root)),
        shm_segments=frozenset(_orphaned_posix_segments(owners)),
        sysv_segments=frozenset(_orphaned_sysv_segments(owners)),
        spec_databases=frozenset(spec_databases(service_url)) if service_url and service_answers() else frozenset(),
        temp_entries=frozenset(entry.name for entry in _entries(temp_dir or Path(tempfile.gettempdir()))),
    )


def our_accounts() -> set[int]:
    """The user ids our runs and their servers run as."""
    account = server_account()
    return {os.geteuid(), os.geteuid() if account.uid is None else account.uid}


def orphaned_shared_memory() -> frozenset[str]:
    """Shared memory of our accounts that no process uses any more: what a crashed PostgreSQL leaves."""
    owners = our_accounts()
    return frozenset(
        [f"System V segment {shmid}" for shmid in _orphaned_sysv_segments(owners)]
        + [f"/dev/shm/{name}" for name in _orphaned_posix_segments(owners)]
    )


def _entries(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except OSError:
        return []


def our_postgres_processes(root: Path | None = None) -> list[psutil.Process]:
    """postgres processes of the embedded provider under ``root`` (default: the data root in use): a postmaster
    and its children work in their data directory."""
    root = str(root or data_root())
    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            if process.cwd().startswith(root + os.sep) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


def _orphaned_sysv_segments(owners: set[int]) -> list[int]:
    """Ids of System V shared memory segments of ``owners`` that no process is attached to.

    A running PostgreSQL stays attached to its segment; one left by a server that died unclean is not.
    """
    return [s["shmid"] for s in sysv_segments() if s["uid"] in owners and s["nattch"] == 0]


def _orphaned_posix_segments(owners: set[int]) -> list[str]:
    """PostgreSQL's POSIX shared memory files in /dev/shm, of ``owners``, that no process has mapped."""
    candidates = {
        entry.name
        for entry in _entries(SHM)
        if entry.name.startswith("PostgreSQL.") and entry.stat(follow_symlinks=False).st_uid in owners
    }
    if not candidates:
        return []
    mapped = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            mapped.update(line.rsplit("/", 1)[-1] for line in maps.read_text().splitlines() if "/dev/shm/" in line)
        except OSError:
            continue
    return sorted(candidates - mapped)


def everything_under(directory: Path) -> frozenset[str]:
    """Every file and directory below ``directory``, as relative paths (empty when it does not exist)."""
    if not directory.is_dir():
        return frozenset()
    return frozenset(str(path.relative_to(directory)) for path in directory.rglob("*"))


def project_status(repo: Path = ROOT) -> frozenset[str]:
    """``git status --porcelain --ignored`` of the repository: its changed, new and ignored entries, but Python's
    bytecode caches (written by whichever process first imports a module, where PYTHONDONTWRITEBYTECODE is unset)."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True, text=True, check=True
    )
    return frozenset(line for line in status.stdout.splitlines() if not line.rstrip("/").endswith("__pycache__"))
