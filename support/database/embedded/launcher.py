"""Starting and stopping one server: ``postgres`` as a direct child that dies with us, on a unix socket only."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

from support.database.server import ProviderUnavailable
from support.processes import die_with_parent

from .account import Account
from .cluster_cache import SUPERUSER
from .problems import fix, log_problem

PORT = 5432  # only names the socket file: there is no TCP listener
SOCKET_PATH_MAX = 107  # a unix socket path's limit on Linux (sun_path, less its terminating NUL)
READY_TIMEOUT = 30.0
SERVER_SETTINGS = {
    "listen_addresses": "",
    "port": str(PORT),
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "min_wal_size": "4MB",
    "max_wal_size": "64MB",  # bounds the memory WAL takes under /dev/shm
    "autovacuum": "off",
    "shared_buffers": "16MB",
    "max_connections": "100",
    "dynamic_shared_memory_type": "mmap",  # segments inside the data directory, removed with it
    "huge_pages": "off",
    "jit": "off",
    "logging_collector": "off",  # stderr goes to server.log in the run directory
}
STOP_SIGNALS = ((signal.SIGINT, 10.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0))  # fast, immediate, kill


def socket_file(sockets: Path) -> Path:
    """The server's socket in its socket directory; refused when its path is too long for a unix socket."""
    path = sockets / f".s.PGSQL.{PORT}"
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise ProviderUnavailable(
            f"the server's socket path {path} would exceed {SOCKET_PATH_MAX} bytes: "
            "set SPEC_PG_DATA_ROOT to a shorter directory"
        )
    return path


def start(bin_dir: Path, data: Path, sockets: Path, log: Path, account: Account) -> subprocess.Popen:
    settings = dict(SERVER_SETTINGS, unix_socket_directories=str(sockets))
    command = [str(bin_dir / "postgres"), "-D", str(data)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
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
            preexec_fn=die_with_parent(signal.SIGQUIT),
            **account.popen_options,
        )
    finally:
        os.close(log_fd)


def wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path) -> None:
    """Until the socket exists and ``SELECT 1`` answers; a dead or silent server is an error."""
    import psycopg2

    socket = socket_file(sockets)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            problem = log_problem(log)
            raise ProviderUnavailable(f"the embedded PostgreSQL exited at start: {problem}: {fix(problem)}")
        if socket.exists():
            try:
                connection = psycopg2.connect(
                    host=str(sockets), port=PORT, user=SUPERUSER, dbname="postgres", connect_timeout=5
                )
            except psycopg2.OperationalError:
                pass
            else:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
                    return
                finally:
                    connection.close()
        time.sleep(0.005)
    stop(server)
    raise ProviderUnavailable(
        f"the embedded PostgreSQL was not ready in {READY_TIMEOUT:.0f} s: {log_problem(log)}: "
        "a slow or overloaded machine? try again, or use --db=url"
    )


def stop(server: subprocess.Popen) -> None:
    """Fast shutdown, then immediate, then kill: each given a moment."""
    for stop_signal, patience in STOP_SIGNALS:
        if server.poll() is not None:
            return
        with suppress(ProcessLookupError):
            server.send_signal(stop_signal)
        with suppress(subprocess.TimeoutExpired):
            server.wait(patience)
