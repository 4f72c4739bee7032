"""What dead runs left under the scratch root: their run directories, after stopping any server still running
there, and half-built clusters and half-copied binaries (support.database.server_process's sweep)."""

from __future__ import annotations

from pathlib import Path

from support.database import server_process

from .launcher import KIND


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories whose owner is provably dead, after stopping any server left running there; the
    removed ones. A directory of a live owner is never touched; nor is one whose server would not stop."""
    return server_process.sweep_stale_runs(root, KIND)
