"""Child processes that cannot outlive the process that started them, and whether a process has ended."""

from __future__ import annotations

import ctypes
import os
import signal

import psutil

PR_SET_PDEATHSIG = 1


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
