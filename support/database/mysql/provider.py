"""The ``mariadb`` provider (``--db=mariadb``): a private MariaDB server from the machine's binaries, started by the
embedded PostgreSQL's rules (support.database.server_process, shared with support.database.embedded):

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

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support import scratch
from support.database import server_process
from support.database.server import Provider, ServerHandle
from support.database.server_process import ServerKind

from .binaries import SETTINGS, MariadbBinaries, cached_data_directory, find
from .own_database import SYNC_DRIVER

NAME = "mariadb"
PID_FILE = "mariadbd.pid"


def _log_problem(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    errors = [line for line in lines if "[ERROR]" in line]
    return " ".join((errors or lines or ["no output"])[-1].split())


def _fix(problem: str) -> str:
    problem = problem.lower()
    if "no space" in problem or "errno: 28" in problem:
        return f"free space under {scratch.data_root()}, or set SPEC_PG_DATA_ROOT to a directory with room"
    if "permission denied" in problem or "errno: 13" in problem:
        return "set SPEC_PG_DATA_ROOT to a directory the server's user can enter, or SPEC_PG_USER to another user"
    return "fix what that line names, point --mariadb-bin at another MariaDB, or use --db=url"


def _answers(sockets: Path) -> bool:
    """Whether the server of this socket directory answers ``SELECT 1``."""
    import pymysql

    def connect():
        return pymysql.connect(unix_socket=str(_socket_file(sockets)), user="root", connect_timeout=5)

    return server_process.answers_select_1(connect, pymysql.err.OperationalError)


KIND = ServerKind(
    name="the private MariaDB",
    product="MariaDB",
    part=NAME,
    socket_name="mysqld.sock",
    socket_owner="MariaDB",
    pid_file=PID_FILE,
    death_signal=signal.SIGKILL,  # throwaway data: nothing to shut down cleanly for
    stop_signals=((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)),  # shutdown, kill
    orphan_stop_signals=((signal.SIGKILL, 5.0),),
    unfinished=("cache",),  # half-made data directories
    answers=_answers,
    problem=_log_problem,
    fix=_fix,
    poll=0.01,
)


@contextmanager
def serve_mariadb(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    """A private MariaDB server for the block; stopped, and its directory removed, at the end."""
    binaries = find(bin_dir)
    account, root = server_process.prepare(KIND)  # swept of what dead runs left
    cached, from_cache = cached_data_directory(binaries, account, root)
    with server_process.running_server(
        KIND, account, root, cached, lambda run: _command(binaries, run.data, run.sockets)
    ) as run:
        yield ServerHandle(
            provider=NAME,
            admin_url=URL.create(
                f"mysql+{SYNC_DRIVER}", username="root", query={"unix_socket": str(_socket_file(run.sockets))}
            ),
            server_version=binaries.short_version,
            detail=(
                f"binaries {binaries.server.parent}, data in {run.directory}, unix socket only, runs as "
                f"{account.name}, {'cached data directory' if from_cache else 'new data directory'}, "
                f"ready in {run.seconds():.2f} s"
            ),
            dialect="mysql",
        )


def _socket_file(sockets: Path) -> Path:
    return KIND.socket_file(sockets)


def _command(binaries: MariadbBinaries, data: Path, sockets: Path) -> list[str]:
    return [
        str(binaries.server),
        "--no-defaults",  # no my.cnf of the machine's service
        f"--datadir={data}",
        f"--socket={_socket_file(sockets)}",
        f"--pid-file={data / PID_FILE}",
        "--skip-networking",
        "--max-connections=100",
        *SETTINGS,
    ]  # no --log-error: its errors go to server.log in the run directory


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories of dead owners, after killing any server left running in one; the removed ones."""
    return server_process.sweep_stale_runs(root, KIND)


def server_processes(handle: ServerHandle) -> list[psutil.Process]:
    """The private server's process (for tests)."""
    return [server_process.server_pid(Path(handle.admin_url.query["unix_socket"]).parent.parent / "data", KIND)]


PROVIDER = Provider(
    name=NAME,
    serve=lambda settings: serve_mariadb(settings.mariadb_bin),
    meant_by=lambda settings: settings.mariadb_bin is not None,  # naming MariaDB's binaries means "use those"
    # the default own_database: the admin URL's dialect is MySQL's
)
