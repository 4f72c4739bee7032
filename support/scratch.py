"""The scratch root: where runs keep on this machine what must not outlive them, each piece marked with the
process that owns it, and the one rule by which what dead owners left is swept.

Where: ``$SPEC_PG_DATA_ROOT/sqlalchemy-session-spec`` when set, else each user's own root,
``/dev/shm/sqlalchemy-session-spec-<uid>`` (or in the temp directory when /dev/shm is small or absent), private
to the user, with a fresh random name instead when another user holds that one (``own_root``).

Layout under ``data_root()``::

    run-<pid>-<random>/             one embedded server's run directory (support.database.embedded)
    cache/, binaries/               the embedded provider's cluster cache and copied binaries
    app-logs/run-<pid>-<random>/    one run's web server logs (support.apps.servers)
    lint-modules/run-<pid>-<random>/  the modules one run's teardown-lint scenarios check (support.lint_runs)
    pending-databases/<name>        the url provider's entry for a database being created (in the user's own
                                    root instead when the scratch root is not theirs)

Where the root lies and whose it is are decided here alone (``data_root``, ``prepared_root``); the other
modules ask for their place in it.

An owner mark has one format wherever it is kept (an ``owner`` file, a pending entry, a database's comment)::

    sqlalchemy-session-spec owner <host name>/<boot id>/<pid namespace> pid <pid> started <start time>

The sweep rule: a piece is removed only when its owner is provably dead, a process of this host, boot and pid
namespace whose pid is gone, a zombie, or taken by a process started at another time. A piece without a
readable mark (made, not yet marked) is judged by the pid in its name: removed once no process has that pid.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psutil

from support.processes import gone

PRODUCT_DIR = "sqlalchemy-session-spec"
SHM = Path("/dev/shm")
SHM_MIN_FREE = 256 * 2**20  # a small /dev/shm (Docker's default is 64 MiB) is left alone
OWNER_FILE = "owner"
SAME_START = 0.01  # seconds: psutil's start times of one process agree to this
OWNER_MARK = re.compile(re.escape(PRODUCT_DIR) + r" owner (\S+) pid (\d+) started (\d+(?:\.\d+)?)")
UNFINISHED = re.compile(r".+\.[a-z]+-(\d+)")  # a piece being made: <final name>.<doing>-<pid>


_own_roots: dict[tuple[Path, int], Path] = {}  # (base, uid) -> the own root this process chose there


class ScratchRootRefused(Exception):
    """The scratch root cannot be ours; the message is one line naming the fix."""


# --- where -------------------------------------------------------------------------------------------


def data_root() -> Path:
    """The scratch root: ``$SPEC_PG_DATA_ROOT/sqlalchemy-session-spec``, else this user's own root (``own_root``)."""
    chosen = os.environ.get("SPEC_PG_DATA_ROOT")
    return Path(chosen) / PRODUCT_DIR if chosen else own_root()


def own_root() -> Path:
    """This user's own scratch root, made private if absent, under /dev/shm (when writable, with room), else the
    temp directory: ``sqlalchemy-session-spec-<uid>``, or when another user holds that name a directory
    ``sqlalchemy-session-spec-<uid>-<random>`` made for us.

    No other user can lock us out: a directory is taken as ours only when it is a real directory (not a link)
    that we own, which no other user can make, and a squatted name is passed over for a fresh random one
    (``mkdtemp``) that is found again by the same rule. In a sticky directory (/dev/shm, /tmp) no other user
    can remove or rename ours either.
    """
    base = SHM if _roomy_and_writable(SHM) else Path(tempfile.gettempdir())
    known = _own_roots.get((base, os.geteuid()))
    if known is None or not _ours(known):  # one choice per process: two first runs at once may make two
        known = _own_roots[base, os.geteuid()] = _choose_own_root(base)
    return known


def _choose_own_root(base: Path) -> Path:
    named = base / f"{PRODUCT_DIR}-{os.geteuid()}"
    if _ours(named):
        return named
    fallbacks = sorted(path for path in base.glob(f"{named.name}-*") if _ours(path))
    if fallbacks:  # once a fallback is made, it stays ours until it is gone (reboot)
        return fallbacks[0]
    try:
        with contextlib.suppress(FileExistsError):
            named.mkdir(mode=private_mode())
        if _ours(named):
            return named
        made = Path(tempfile.mkdtemp(prefix=f"{named.name}-", dir=base))  # a name nobody holds
        made.chmod(private_mode())
        return made
    except OSError:  # nothing can be made there (read-only, say): prepared_root says so in one line
        return named


def _ours(path: Path) -> bool:
    """A real directory (no link) of this user, made private."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False
    if stat.S_IMODE(info.st_mode) != private_mode():
        path.chmod(private_mode())
    return True


def private_mode() -> int:
    """The scratch root's mode: private; as root the server's unprivileged account may pass through (not list)."""
    return 0o711 if os.geteuid() == 0 else 0o700


def _roomy_and_writable(directory: Path) -> bool:
    try:
        return os.access(directory, os.W_OK | os.X_OK) and shutil.disk_usage(directory).free >= SHM_MIN_FREE
    except OSError:
        return False


def app_logs() -> Path:
    """Where runs keep their web servers' logs, a directory per run (in this user's own root when the scratch
    root is not theirs)."""
    return _place("app-logs") or data_root() / "app-logs"


def lint_modules() -> Path:
    """Where runs write the modules the teardown lint checks, a directory per run."""
    return _place("lint-modules") or data_root() / "lint-modules"


def child_runs() -> Path:
    """Where runs keep what their warm child runs print, a directory per run."""
    return _place("child-runs") or data_root() / "child-runs"


def pending_databases() -> Path | None:
    """Where the url provider keeps an entry for each database being created, until it carries its mark: under
    the scratch root when it is ours, else under this user's own root; None when there is no such place (the
    run goes on without the entries)."""
    return _place("pending-databases")


def _place(name: str) -> Path | None:
    """``name`` under the scratch root when this user can write there, else under their own root (None when
    neither can be had). Nothing is made here: the place's user makes it."""
    root = data_root()
    existing = next((path for path in (root, *root.parents) if os.path.exists(path)), root)
    try:
        ours = existing != root or root.stat().st_uid == os.geteuid()
    except OSError:
        ours = False
    if ours and os.access(existing, os.W_OK | os.X_OK):
        return root / name
    own = own_root()
    return own / name if _ours(own) else None


def prepared_root() -> Path:
    """The scratch root, created private if absent; refused when another user owns it."""
    root = data_root()
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir(mode=private_mode(), exist_ok=True)
        owner = root.stat().st_uid
    except OSError as error:
        raise ScratchRootRefused(
            f"cannot create {root} ({error.strerror or error}): set SPEC_PG_DATA_ROOT to a writable directory"
        ) from None
    if owner != os.geteuid():
        raise ScratchRootRefused(
            f"{root} belongs to another user (uid {owner}): set SPEC_PG_DATA_ROOT to a directory of your own"
        )
    root.chmod(private_mode())
    return root


def make_dir(path: Path, mode: int) -> None:
    """A directory with exactly this mode, whatever the umask."""
    path.mkdir(mode=mode, exist_ok=True)
    path.chmod(mode)


# --- owners --------------------------------------------------------------------------------------------


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
    """The process that made something: where it ran, its pid and its start time (None: known by pid only)."""

    host: str
    pid: int
    started: float | None

    @classmethod
    def current(cls) -> Owner:
        return cls(this_host(), os.getpid(), psutil.Process().create_time())

    @classmethod
    def by_pid(cls, pid: int) -> Owner:
        """A process of this host known only by its pid, as named in a piece not yet marked."""
        return cls(this_host(), pid, None)

    def mark(self) -> str:
        return f"{PRODUCT_DIR} owner {self.host} pid {self.pid} started {self.started:.2f}"

    def provably_dead(self) -> bool:
        """True only for a process of this host, boot and pid namespace that has ended (its pid gone, a zombie,
        or reused by a process started at another time); an owner elsewhere is never judged."""
        if self.host != this_host():
            return False
        try:
            process = psutil.Process(self.pid)
            reused = self.started is not None and abs(process.create_time() - self.started) >= SAME_START
            return reused or gone(process)
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False


def owner_of_mark(text: str | None) -> Owner | None:
    """The owner a mark names; None for text that is no mark of ours (or no text)."""
    found = OWNER_MARK.fullmatch((text or "").strip())
    return found and Owner(found.group(1), int(found.group(2)), float(found.group(3)))


# --- owned directories and the sweep -----------------------------------------------------------------


def make_owned_directory(parent: Path, mode: int = 0o700) -> Path:
    """A new directory ``run-<pid>-<random>`` under ``parent``, with this mode and a file marking this process
    as its owner."""
    parent.mkdir(parents=True, exist_ok=True)
    directory = parent / owned_name()
    make_dir(directory, mode)
    (directory / OWNER_FILE).write_text(Owner.current().mark() + "\n")
    return directory


def owned_name() -> str:
    """The name ``make_owned_directory`` gives: ``run-<pid>-<6 random hex>``, always this long for this process."""
    return f"run-{os.getpid()}-{os.urandom(3).hex()}"


def owner_of_directory(directory: Path) -> Owner | None:
    """The owner an owned directory's mark names, else (no readable mark yet) the process its name names."""
    try:
        owner = owner_of_mark((directory / OWNER_FILE).read_text())
    except OSError:
        owner = None
    pid = directory.name.split("-")[1] if directory.name.count("-") >= 2 else ""
    return owner or (Owner.by_pid(int(pid)) if pid.isdigit() else None)


def sweep_dead_owners(parent: Path, release: Callable[[Path], bool] = lambda directory: True) -> list[Path]:
    """Remove the directories ``make_owned_directory`` made under ``parent`` whose owner is provably dead; the
    removed ones. ``release``: what a directory holds that must end first (True when it has ended)."""
    removed = []
    for directory in sorted(parent.glob("run-*")):
        owner = owner_of_directory(directory)
        if owner is not None and owner.provably_dead() and release(directory):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


def unfinished(final: Path, doing: str) -> Path:
    """Where this process makes ``final`` before renaming it into place: ``<final>.<doing>-<pid>``."""
    return final.with_name(f"{final.name}.{doing}-{os.getpid()}")


def sweep_unfinished(parent: Path) -> list[Path]:
    """Remove what ``unfinished`` named under ``parent`` whose maker is gone; the removed paths."""
    removed = []
    for path in sorted(parent.glob("*.*-*")):
        found = UNFINISHED.fullmatch(path.name)
        if found and Owner.by_pid(int(found.group(1))).provably_dead():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
