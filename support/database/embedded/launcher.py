"""Starting and stopping one server: ``postgres`` as a direct child that dies with us, on a unix socket only, by the
rules every private server follows (support.database.server_process)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from support.database import server_process
from support.database.account import Account
from support.database.server_process import ServerKind

from .cluster_cache import SUPERUSER
from .problems import fix, log_problem

PORT = 5432  # only names the socket file: there is no TCP listener
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


def answers(sockets: Path) -> bool:
    """Whether the server of this socket directory answers ``SELECT 1``."""
    import psycopg2

    def connect():
        return psycopg2.connect(host=str(sockets), port=PORT, user=SUPERUSER, dbname="postgres", connect_timeout=5)

    return server_process.answers_select_1(connect, psycopg2.OperationalError)


KIND = ServerKind(
    name="the embedded PostgreSQL",
    product="PostgreSQL",
    part=None,  # its runs, cache and binaries are the scratch root's own
    socket_name=f".s.PGSQL.{PORT}",
    socket_owner="server's",
    pid_file="postmaster.pid",
    death_signal=signal.SIGQUIT,  # an immediate shutdown: no checkpoint of throwaway data
    stop_signals=STOP_SIGNALS,
    orphan_stop_signals=((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)),  # immediate, kill
    unfinished=("cache", "binaries"),  # half-built clusters, half-copied binaries
    answers=answers,
    problem=log_problem,
    fix=fix,
)


def socket_file(sockets: Path) -> Path:
    """The server's socket in its socket directory; refused when its path is too long for a unix socket."""
    return KIND.socket_file(sockets)


def command(bin_dir: Path, data: Path, sockets: Path) -> list[str]:
    settings = dict(SERVER_SETTINGS, unix_socket_directories=str(sockets))
    command = [str(bin_dir / "postgres"), "-D", str(data)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    return command


def start(bin_dir: Path, data: Path, sockets: Path, log: Path, account: Account) -> subprocess.Popen:
    return server_process.start(command(bin_dir, data, sockets), log, account, KIND)


def wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path) -> None:
    """Until the socket exists and ``SELECT 1`` answers; a dead or silent server is an error."""
    server_process.wait_until_ready(server, sockets, log, KIND)


def stop(server: subprocess.Popen) -> None:
    """Fast shutdown, then immediate, then kill: each given a moment."""
    server_process.stop(server, STOP_SIGNALS)
