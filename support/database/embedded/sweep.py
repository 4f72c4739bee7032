"""What dead runs left under the scratch root: their run directories, after stopping any server still running
there, and half-built clusters and half-copied binaries."""

from __future__ import annotations

import signal
from contextlib import suppress
from pathlib import Path

import psutil

from support import scratch
from support.processes import gone

ORPHAN_STOP_SIGNALS = ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0))  # immediate, kill


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories whose owner is provably dead, after stopping any server left running there; the
    removed ones. A directory of a live owner is never touched; nor is one whose server would not stop."""
    swept = scratch.sweep_dead_owners(root, release=lambda run_dir: no_server_left(run_dir / "data"))
    scratch.sweep_unfinished(root / "cache")
    scratch.sweep_unfinished(root / "binaries")
    return swept


def no_server_left(data: Path) -> bool:
    """Stop an orphaned postmaster of this data directory, if any; True when none is left running.

    The pid file may name a reused pid: only a postgres process whose command line names this data
    directory is stopped.
    """
    try:
        postmaster = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
        if str(data) not in " ".join(postmaster.cmdline()):
            return True
    except (OSError, ValueError, IndexError, psutil.Error):
        return True
    for stop_signal, patience in ORPHAN_STOP_SIGNALS:
        with suppress(psutil.Error):
            postmaster.send_signal(stop_signal)
            postmaster.wait(patience)
        if gone(postmaster):
            return True
    return False
