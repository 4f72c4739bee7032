"""Child processes that cannot outlive the process that started them, and owners that can be proven dead."""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
from dataclasses import dataclass
from functools import cache

import psutil

PR_SET_PDEATHSIG = 1
SAME_START = 0.01  # seconds: psutil's start times of one process agree to this


def die_with_parent(death_signal: int = signal.SIGQUIT, parent_pid: int | None = None):
    """A ``preexec_fn``: the child gets ``death_signal`` when its parent dies, even by SIGKILL.

    Set in the child after any change of user (which would clear it); the parent is the forking
    thread, so start children from the main thread. ``parent_pid``: when armed from code already
    running in the child (e.g. a fork hook), the parent's pid.
    """
    parent_pid = parent_pid or os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def gone(process: psutil.Process) -> bool:
    """Exited, or a zombie waiting for its parent to collect it."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


@cache
def this_host() -> str:
    """Host name, boot and pid namespace: pids mean the same process only where all three are the same."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot_id:
            boot = boot_id.read().strip()
    except OSError:
        boot = "unknown"
    try:
        namespace = re.sub(r"\D", "", os.readlink("/proc/self/ns/pid"))
    except OSError:
        namespace = "unknown"
    return f"{socket.gethostname()}/{boot}/{namespace}"


@dataclass(frozen=True)
class Owner:
    """The process that made something (a run directory, a database): where it ran, its pid and start time."""

    host: str
    pid: int
    started: float

    MARK = re.compile(r"owner (\S+) pid (\d+) started (\d+(?:\.\d+)?)")

    @classmethod
    def current(cls) -> Owner:
        return cls(this_host(), os.getpid(), psutil.Process().create_time())

    @classmethod
    def parse(cls, text: str | None) -> Owner | None:
        """The owner a mark names, or None when the text is no mark of ours."""
        found = cls.MARK.fullmatch((text or "").strip())
        return found and cls(found.group(1), int(found.group(2)), float(found.group(3)))

    def mark(self) -> str:
        return f"owner {self.host} pid {self.pid} started {self.started:.2f}"

    def provably_dead(self) -> bool:
        """True only for a process of this host, boot and pid namespace that has ended (its pid gone, a zombie,
        or reused by a process started at another time); an owner elsewhere is never judged."""
        if self.host != this_host():
            return False
        try:
            process = psutil.Process(self.pid)
            return abs(process.create_time() - self.started) >= SAME_START or gone(process)
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False


OWNER_FILE = "owner"


def make_owned_directory(parent: str | os.PathLike, prefix: str = "run") -> str:
    """A new directory ``<prefix>-<pid>-<random>`` under ``parent``, with a file naming this process as owner."""
    os.makedirs(parent, exist_ok=True)
    directory = os.path.join(parent, f"{prefix}-{os.getpid()}-{os.urandom(3).hex()}")
    os.mkdir(directory, 0o700)
    with open(os.path.join(directory, OWNER_FILE), "w") as owner_file:
        owner_file.write(Owner.current().mark() + "\n")
    return directory


def remove_directories_of_dead_owners(parent: str | os.PathLike, prefix: str = "run") -> list[str]:
    """Remove the directories ``make_owned_directory`` made whose owner is provably dead; the removed ones."""
    import shutil

    removed = []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return removed
    for name in names:
        directory = os.path.join(parent, name)
        if not name.startswith(f"{prefix}-"):
            continue
        try:
            with open(os.path.join(directory, OWNER_FILE)) as owner_file:
                owner = Owner.parse(owner_file.read())
        except OSError:  # made but not yet marked when its maker died, or being made right now
            pid = name.split("-")[1]
            owner = None if not pid.isdigit() or psutil.pid_exists(int(pid)) else Owner(this_host(), int(pid), 0.0)
        if owner is not None and owner.provably_dead():
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed
