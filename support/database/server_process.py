"""One private server process, by the same rules for the embedded PostgreSQL and the private MariaDB:

- started from the main thread as a direct child of pytest, with the Linux parent-death signal, so it dies with
  pytest even on SIGKILL; in a session of its own (pytest decides when it stops, not a terminal's Ctrl-C);
- as the server's account (support.database.account): the current user, or as root an unprivileged one;
- on a unix socket only, in a private directory of a private run directory under the scratch root, its output in
  that run directory's ``server.log``;
- from a copy of a data directory initialised once per binary and cached (built under a lock, renamed into place
  when complete); waited for until ``SELECT 1`` answers on its socket;
- stopped by a ladder of signals, each given a moment; a server a dead run left is stopped at the next start, and
  its run directory removed.

What differs between the servers (the command, the socket's name, the signals, the driver that asks ``SELECT 1``,
how a log names its problem) is a ``ServerKind``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

from support import scratch
from support.processes import die_with_parent, gone

from .account import Account, server_account
from .server import ProviderUnavailable

SOCKET_PATH_MAX = 107  # a unix socket path's limit on Linux (sun_path, less its terminating NUL)
READY_TIMEOUT = 30.0
Signals = tuple[tuple[int, float], ...]  # (signal, seconds to wait after it), in order
LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")  # "2026-11-23 05:35:00.603 GMT [27405] "


def last_line(output: str) -> str:
    """The last non-blank line of a server's or tool's output, without PostgreSQL's log prefix."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return LOG_PREFIX.sub("", lines[-1]) if lines else "no output"


@dataclass(frozen=True)
class ServerKind:
    """What one kind of private server needs from the shared rules."""

    name: str  # as messages name it: "the embedded PostgreSQL", "the private MariaDB"
    product: str  # the server that refuses to run as root: "PostgreSQL", "MariaDB"
    part: str | None  # the scratch root's directory holding its runs (None: the root itself)
    socket_name: str  # its socket file in its socket directory
    socket_owner: str  # whose socket messages say it is: "server's", "MariaDB"
    pid_file: str  # the file in its data directory naming its pid
    death_signal: int  # sent to the server when pytest dies
    stop_signals: Signals  # to stop it at the end of its block
    orphan_stop_signals: Signals  # for a server a dead run left
    unfinished: tuple[str, ...]  # directories of its part holding pieces being made (support.scratch.unfinished)
    answers: Callable[[Path], bool]  # whether the server of this socket directory answers SELECT 1
    problem: Callable[[Path], str]  # the line of a server log that names the cause
    fix: Callable[[str], str]  # the likely fix for such a line
    poll: float = 0.005  # seconds between two readiness checks

    def socket_file(self, sockets: Path) -> Path:
        """The server's socket in its socket directory; refused when its path is too long for a unix socket."""
        path = sockets / self.socket_name
        if len(os.fsencode(path)) > SOCKET_PATH_MAX:
            raise ProviderUnavailable(
                f"the {self.socket_owner} socket path {path} would exceed {SOCKET_PATH_MAX} bytes: "
                "set SPEC_PG_DATA_ROOT to a shorter directory"
            )
        return path


@dataclass(frozen=True)
class Run:
    """A started server's run directory."""

    directory: Path
    data: Path
    sockets: Path
    log: Path
    started: float  # time.perf_counter() before the copy

    def seconds(self) -> float:
        """Since the copy began."""
        return time.perf_counter() - self.started


def prepare(kind: ServerKind) -> tuple[Account, Path]:
    """Who runs the server, and the directory its runs are made in, with what dead runs left there swept; refused
    (before anything is made) off the main thread, for a root too deep for the socket, a root not ours or one the
    server's account cannot enter."""
    if threading.current_thread() is not threading.main_thread():
        # the parent-death signal fires when the *thread* that started the server ends
        raise ProviderUnavailable(f"start {kind.name} from the main thread, so it dies with the process")
    account = server_account(kind.product)
    kind.socket_file(scratch.data_root() / (kind.part or "") / scratch.owned_name() / "socket")
    try:
        root = scratch.prepared_root()
    except scratch.ScratchRootRefused as refused:
        raise ProviderUnavailable(str(refused)) from None
    if kind.part:
        root = root / kind.part
        scratch.make_dir(root, scratch.private_mode())
    if not account.can_enter(root):
        raise ProviderUnavailable(
            f"the server's user {account.name} cannot enter {root}: "
            "set SPEC_PG_DATA_ROOT to a directory every user can enter, e.g. /tmp"
        )
    sweep_stale_runs(root, kind)
    return account, root


def cached_data_directory(
    root: Path, key: str, account: Account, initialise: Callable[[Path], None]
) -> tuple[Path, bool]:
    """The initialised data directory ``root``/cache/``key``, made now by ``initialise`` (which raises
    ProviderUnavailable when it fails) if absent; and whether it was there. One builder per key, the others wait
    and reuse its result; a half-made one is removed, and a directory is complete or absent."""
    cache = root / "cache"
    scratch.make_dir(cache, 0o755)
    data = cache / key
    if data.is_dir():
        return data, True
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if data.is_dir():
            return data, True
        building = scratch.unfinished(data, "building")
        shutil.rmtree(building, ignore_errors=True)
        account.make_dir(building, 0o700)
        try:
            initialise(building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        os.rename(building, data)  # atomic
    return data, False


@contextmanager
def running_server(
    kind: ServerKind, account: Account, root: Path, cached: Path, command: Callable[[Run], list[str]]
) -> Iterator[Run]:
    """A server for the block, in a private run directory under ``root`` holding a copy of the cached data
    directory and the socket directory: started with ``command``, waited for until it answers, stopped at the end
    of the block, and its run directory removed."""
    directory = scratch.make_owned_directory(root, 0o711)  # the server's user may pass through, not list
    try:
        data, sockets, log = directory / "data", directory / "socket", directory / "server.log"
        run = Run(directory, data, sockets, log, time.perf_counter())
        copying = subprocess.run(["cp", "-a", str(cached), str(data)], capture_output=True, text=True)  # keeps owner
        if copying.returncode:
            problem = last_line(copying.stderr)
            raise ProviderUnavailable(
                f"could not copy the cached data directory of {kind.name} into {directory}: {problem}: "
                f"{kind.fix(problem)}"
            )
        account.make_dir(sockets, 0o700)
        server = start(command(run), log, account, kind)
        try:
            wait_until_ready(server, sockets, log, kind)
            yield run
        finally:
            stop(server, kind.stop_signals)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def start(command: list[str], log: Path, account: Account, kind: ServerKind) -> subprocess.Popen:
    """The server process: a child that dies with us, as the server's account, its output into ``log``."""
    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=subprocess.STDOUT,
            cwd="/",
            start_new_session=True,  # pytest decides when it stops, not a terminal's Ctrl-C
            # armed after the switch of user, which would clear it; Popen switches before preexec_fn
            preexec_fn=die_with_parent(kind.death_signal),
            **account.popen_options,
        )
    finally:
        os.close(log_fd)


def answers_select_1(connect: Callable[[], object], refused: type[Exception]) -> bool:
    """Whether a DB-API connection made by ``connect`` answers ``SELECT 1`` (False when ``refused`` is raised)."""
    try:
        connection = connect()
    except refused:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    finally:
        connection.close()


def wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path, kind: ServerKind) -> None:
    """Until the socket exists and ``SELECT 1`` answers; a dead server is an error naming its log's problem and its
    fix, one silent for READY_TIMEOUT seconds is stopped and an error naming its log's problem."""
    socket = kind.socket_file(sockets)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            problem = kind.problem(log)
            raise ProviderUnavailable(f"{kind.name} exited at start: {problem}: {kind.fix(problem)}")
        if socket.exists() and kind.answers(sockets):
            return
        time.sleep(kind.poll)
    stop(server, kind.stop_signals)
    raise ProviderUnavailable(
        f"{kind.name} was not ready in {READY_TIMEOUT:.0f} s: {kind.problem(log)}: "
        "a slow or overloaded machine? try again, or use --db=url"
    )


def stop(server: subprocess.Popen, stop_signals: Signals) -> None:
    """Each signal in turn, each given its moment, until the server has ended."""
    for stop_signal, patience in stop_signals:
        if server.poll() is not None:
            return
        with suppress(ProcessLookupError):
            server.send_signal(stop_signal)
        with suppress(subprocess.TimeoutExpired):
            server.wait(patience)


def sweep_stale_runs(root: Path, kind: ServerKind) -> list[Path]:
    """Remove run directories whose owner is provably dead, after stopping any server left running there; the
    removed ones. A directory of a live owner is never touched; nor is one whose server would not stop. Then the
    half-made pieces of dead runs."""
    swept = scratch.sweep_dead_owners(root, release=lambda run_dir: no_server_left(run_dir / "data", kind))
    for part in kind.unfinished:
        scratch.sweep_unfinished(root / part)
    return swept


def no_server_left(data: Path, kind: ServerKind) -> bool:
    """Stop an orphaned server of this data directory, if any; True when none is left running.

    The pid file may name a reused pid: only a process whose command line names this data directory is stopped.
    """
    try:
        orphan = server_pid(data, kind)
        if str(data) not in " ".join(orphan.cmdline()):
            return True
    except (OSError, ValueError, IndexError, psutil.Error):
        return True
    for stop_signal, patience in kind.orphan_stop_signals:
        with suppress(psutil.Error):
            orphan.send_signal(stop_signal)
            orphan.wait(patience)
        if gone(orphan):
            return True
    return False


def server_pid(data: Path, kind: ServerKind) -> psutil.Process:
    """The server process its pid file in ``data`` names."""
    return psutil.Process(int((data / kind.pid_file).read_text().split()[0]))
