"""Who runs a private server (initdb and postgres, or mariadb-install-db and mariadbd): the current user, or as root
an existing unprivileged account."""

from __future__ import annotations

import os
import pwd
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from support import scratch
from support.database.server import ProviderUnavailable


@dataclass(frozen=True)
class Account:
    """Who runs the server: None ids mean the current user, with no switch."""

    name: str
    uid: int | None = None
    gid: int | None = None

    @property
    def popen_options(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def can_enter(self, directory: Path) -> bool:
        """Whether this account may traverse ``directory`` and all its parents (by mode bits)."""
        if self.uid is None:
            return True
        for path in [directory, *directory.parents]:
            info = path.stat()
            if info.st_uid == self.uid:
                needed = stat.S_IXUSR
            elif info.st_gid == self.gid:
                needed = stat.S_IXGRP
            else:
                needed = stat.S_IXOTH
            if not info.st_mode & needed:
                return False
        return True

    def make_dir(self, path: Path, mode: int) -> None:
        """A directory of our own tree with exactly this mode, owned by this account."""
        scratch.make_dir(path, mode)
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)

    @property
    def owner_uid(self) -> int:
        """The uid the server's files and shared memory belong to."""
        return os.geteuid() if self.uid is None else self.uid


def server_account(server: str = "PostgreSQL") -> Account:
    """The current user, or as root an existing unprivileged account: SPEC_PG_USER, else nobody, else any.
    ``server`` names the server that refuses root, for the error."""
    if os.geteuid() != 0:
        return Account(pwd.getpwuid(os.geteuid()).pw_name)
    wanted = os.environ.get("SPEC_PG_USER")
    candidates = [wanted] if wanted else ["nobody"]
    if not wanted:
        candidates += [entry.pw_name for entry in pwd.getpwall() if entry.pw_uid >= 1000 and entry.pw_name != "nobody"]
    for name in candidates:
        with suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return Account(name, entry.pw_uid, entry.pw_gid)
    raise ProviderUnavailable(
        f"{server} refuses to run as root and {wanted or 'nobody'!r} is not an existing unprivileged account: "
        "set SPEC_PG_USER to an existing non-root user"
    )
