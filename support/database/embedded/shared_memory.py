"""Shared memory a crashed server leaves: the System V segment of a PostgreSQL that died unattached."""

from __future__ import annotations

import ctypes
from pathlib import Path

from support.database.account import Account

SYSV_SEGMENTS = Path("/proc/sysvipc/shm")
IPC_RMID = 0
KEY_PROBES = 16  # PostgreSQL keys its segment by the data directory's inode, trying the next key when taken


def sysv_segments() -> list[dict[str, int]]:
    """The machine's System V shared memory segments: key, shmid, uid and nattch (attached processes) of each."""
    try:
        header, *rows = SYSV_SEGMENTS.read_text().splitlines()
    except (OSError, ValueError):
        return []
    columns = header.split()
    wanted = {name: columns.index(name) for name in ("key", "shmid", "uid", "nattch")}
    return [{name: int(row[at]) for name, at in wanted.items()} for row in map(str.split, rows) if row]


def remove_orphaned_segments(account: Account, data_inode: int) -> list[int]:
    """Remove the System V segment a PostgreSQL of this data directory left when it crashed; its ids.

    Only segments of the server's account, no longer attached to any process, with a key PostgreSQL would
    have derived from this directory's inode are removed: a live server's segment is always attached.
    """
    keys = {ctypes.c_int32(data_inode + offset).value for offset in range(KEY_PROBES)}
    libc = ctypes.CDLL(None, use_errno=True)
    removed = []
    for segment in sysv_segments():
        orphaned = segment["key"] in keys and segment["uid"] == account.owner_uid and segment["nattch"] == 0
        if orphaned and libc.shmctl(segment["shmid"], IPC_RMID, None) == 0:
            removed.append(segment["shmid"])
    return removed
