"""The ``mariadb`` provider (``--db=mariadb``): a private MariaDB server from the machine's binaries, started by the
embedded PostgreSQL's rules (support.database.embedded):

- ``mariadbd`` is a direct child of pytest with the Linux parent-death signal set to SIGKILL, so it dies with pytest
  even on SIGKILL; run directories of dead owners (and any server left in one) are swept at the next start;
- as root it runs under an existing unprivileged account (``nobody``, or ``SPEC_PG_USER``), with no permission
  change outside its own tree;
- it listens on no TCP port (``--skip-networking``), only on a unix socket in a private directory;
- its data is throwaway: durability off, under the scratch root (/dev/shm when it has room);
- a data directory initialised by ``mariadb-install-db`` is cached per server binary, so later starts only copy it.

Its part of the scratch root (support.scratch)::

    mariadb/cache/<key>/              an initialised data directory (key: version + digest)
    mariadb/run-<owner pid>-<random>/ one running server: owner, server.log, data/, socket/
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support import scratch
from support.database.embedded.account import Account, server_account
from support.database.server import Provider, ProviderUnavailable, ServerHandle
from support.processes import die_with_parent, gone

from .binaries import SETTINGS, MariadbBinaries, cached_data_directory, find
from .own_database import SYNC_DRIVER, own_database

NAME = "mariadb"
SOCKET = "mysqld.sock"
PID_FILE = "mariadbd.pid"
SOCKET_PATH_MAX = 107
READY_TIMEOUT = 30.0
STOP_SIGNALS = ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0))  # shutdown, kill


def runs_root() -> Path:
    return scratch.data_root() / NAME


@contextmanager
def serve_mariadb(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    """A private MariaDB server for the block; stopped, and its directory removed, at the end."""
    if threading.current_thread() is not threading.main_thread():
        raise ProviderUnavailable("start the private MariaDB from the main thread, so it dies with the process")
    binaries = find(bin_dir)
    account = server_account()
    _socket_file(runs_root() / scratch.owned_name() / "socket")  # refused before anything is made
    root = _prepared_root(account)
    sweep_stale_runs(root)
    cached, from_cache = cached_data_directory(binaries, account, root)
    run_dir = scratch.make_owned_directory(root, 0o711)  # the server's user may pass through, not list
    try:
        data, sockets, log = run_dir / "data", run_dir / "socket", run_dir / "server.log"
        started = time.perf_counter()
        copying = subprocess.run(["cp", "-a", str(cached), str(data)], capture_output=True, text=True)
        if copying.returncode:
            raise ProviderUnavailable(
                f"could not copy the cached MariaDB data directory into {run_dir}: {copying.stderr.strip()}: "
                f"free space under {root}, or set SPEC_PG_DATA_ROOT to a directory with room"
            )
        account.make_dir(sockets, 0o700)
        server = _start(binaries, data, sockets, log, account)
        try:
            _wait_until_ready(server, sockets, log)
            ready = time.perf_counter() - started
            yield ServerHandle(
                provider=NAME,
                admin_url=URL.create(
                    f"mysql+{SYNC_DRIVER}", username="root", query={"unix_socket": str(_socket_file(sockets))}
                ),
                server_version=binaries.short_version,
                detail=(
                    f"binaries {binaries.server.parent}, data in {run_dir}, unix socket only, runs as {account.name}, "
                    f"{'cached data directory' if from_cache else 'new data directory'}, ready in {ready:.2f} s"
                ),
                dialect="mysql",
            )
        finally:
            _stop(server)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _prepared_root(account: Account) -> Path:
    try:
        scratch.prepared_root()
    except scratch.ScratchRootRefused as refused:
        raise ProviderUnavailable(str(refused)) from None
    root = runs_root()
    scratch.make_dir(root, scratch.private_mode())
    if not account.can_enter(root):
        raise ProviderUnavailable(
            f"the server's user {account.name} cannot enter {root}: "
            "set SPEC_PG_DATA_ROOT to a directory every user can enter, e.g. /tmp"
        )
    return root


def _socket_file(sockets: Path) -> Path:
    path = sockets / SOCKET
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise ProviderUnavailable(
            f"the MariaDB socket path {path} would exceed {SOCKET_PATH_MAX} bytes: "
            "set SPEC_PG_DATA_ROOT to a shorter directory"
        )
    return path


def _start(binaries: MariadbBinaries, data: Path, sockets: Path, log: Path, account: Account) -> subprocess.Popen:
    command = [
        str(binaries.server),
        "--no-defaults",  # no my.cnf of the machine's service
        f"--datadir={data}",
        f"--socket={_socket_file(sockets)}",
        f"--pid-file={data / PID_FILE}",
        "--skip-networking",
        "--max-connections=100",
        *SETTINGS,
    ]
    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=subprocess.STDOUT,  # no --log-error: its errors go to server.log in the run directory
            cwd="/",
            start_new_session=True,  # pytest decides when it stops, not a terminal's Ctrl-C
            preexec_fn=die_with_parent(signal.SIGKILL),  # throwaway data: nothing to shut down cleanly for
            **account.popen_options,
        )
    finally:
        os.close(log_fd)


def _wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path) -> None:
    """Until the socket answers ``SELECT 1``; a dead or silent server is an error naming its log's last error."""
    import pymysql

    socket = _socket_file(sockets)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ProviderUnavailable(f"the private MariaDB exited at start: {_log_problem(log)}: {_fix(log)}")
        if socket.exists():
            try:
                connection = pymysql.connect(unix_socket=str(socket), user="root", connect_timeout=5)
            except pymysql.err.OperationalError:
                pass
            else:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
                    return
                finally:
                    connection.close()
        time.sleep(0.01)
    _stop(server)
    raise ProviderUnavailable(
        f"the private MariaDB was not ready in {READY_TIMEOUT:.0f} s: {_log_problem(log)}: "
        "a slow or overloaded machine? try again, or use --db=url"
    )


def _log_problem(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    errors = [line for line in lines if "[ERROR]" in line]
    return " ".join((errors or lines or ["no output"])[-1].split())


def _fix(log: Path) -> str:
    problem = _log_problem(log).lower()
    if "no space" in problem or "errno: 28" in problem:
        return f"free space under {scratch.data_root()}, or set SPEC_PG_DATA_ROOT to a directory with room"
    if "permission denied" in problem or "errno: 13" in problem:
        return "set SPEC_PG_DATA_ROOT to a directory the server's user can enter, or SPEC_PG_USER to another user"
    return "fix what that line names, point --mariadb-bin at another MariaDB, or use --db=url"


def _stop(server: subprocess.Popen) -> None:
    for stop_signal, patience in STOP_SIGNALS:
        if server.poll() is not None:
            return
        with suppress(ProcessLookupError):
            server.send_signal(stop_signal)
        with suppress(subprocess.TimeoutExpired):
            server.wait(patience)


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories of dead owners, after killing any server left running in one; the removed ones."""
    swept = scratch.sweep_dead_owners(root, release=lambda run_dir: _no_server_left(run_dir / "data"))
    scratch.sweep_unfinished(root / "cache")
    return swept


def _no_server_left(data: Path) -> bool:
    """Kill an orphaned mariadbd of this data directory, if any (only one whose command line names it); True when
    none is left running."""
    try:
        orphan = psutil.Process(int((data / PID_FILE).read_text().split()[0]))
        if f"--datadir={data}" not in orphan.cmdline():
            return True
    except (OSError, ValueError, IndexError, psutil.Error):
        return True
    with suppress(psutil.Error):
        orphan.kill()
        orphan.wait(5)
    return gone(orphan)


def server_processes(handle: ServerHandle) -> list[psutil.Process]:
    """The private server's process (for tests)."""
    data = Path(handle.admin_url.query["unix_socket"]).parent.parent / "data"
    return [psutil.Process(int((data / PID_FILE).read_text().split()[0]))]


PROVIDER = Provider(
    name=NAME,
    serve=lambda settings: serve_mariadb(settings.mariadb_bin),
    meant_by=lambda settings: settings.mariadb_bin is not None,  # naming MariaDB's binaries means "use those"
    own_database=own_database,
)
