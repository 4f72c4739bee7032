"""Real runs of the suite in child processes, and what runs leave behind on the machine and the server.

Shared by the reliability tests and the soak benchmark; nothing here mocks a server or a process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from support.database.embedded import PRODUCT_DIR, cache_dir_for, data_root, default_bin_dir
from support.database.own_database import PREFIX
from support.processes import gone

ROOT = Path(__file__).resolve().parents[2]
SERVICE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"  # the machine's own PostgreSQL, when it runs
SHM = Path("/dev/shm")
SYSV_SHM = Path("/proc/sysvipc/shm")


def service_answers(url_host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        socket.create_connection((url_host, port), timeout=2).close()
        return True
    except OSError:
        return False


def pytest_command(*arguments: str | Path) -> list[str]:
    """``python -m pytest`` with these arguments, in the suite's own interpreter."""
    return [sys.executable, "-m", "pytest", *map(str, arguments)]


def _options(env: dict[str, str] | None, cwd: Path) -> dict:
    """How every run is started: in ``cwd``, the environment plus ``env``, no input, stdout and stderr merged."""
    return {
        "cwd": cwd,
        "env": {**os.environ, **(env or {})},
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT,
        "text": True,
    }


def start_run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A pytest run in the background, its stdout and stderr merged into one text pipe."""
    return subprocess.Popen(pytest_command(*arguments), **_options(env, cwd))


def run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 900):
    """A pytest run to its end: the CompletedProcess, with stdout and stderr merged."""
    return subprocess.run(pytest_command(*arguments), timeout=timeout, **_options(env, cwd))


@contextmanager
def private_data_root(seeded: bool = True) -> Iterator[Path]:
    """A ``SPEC_PG_DATA_ROOT`` of its own beside the usual one (the server's account may enter it), its cluster
    cache seeded from the shared one when that exists (no initdb); removed, with any server left in it, after."""
    beside = data_root().parent
    beside.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="spec-reliability-", dir=beside))
    base.chmod(0o755)
    try:
        shared = cache_dir_for(default_bin_dir())
        if seeded and shared.is_dir():
            (base / PRODUCT_DIR / "cache").mkdir(parents=True)
            subprocess.run(["cp", "-a", str(shared), str(base / PRODUCT_DIR / "cache" / shared.name)], check=True)
        yield base
    finally:
        for process in our_postgres_processes(base / PRODUCT_DIR):
            with suppress(psutil.Error):
                process.kill()
        shutil.rmtree(base, ignore_errors=True)


def statuses(results: Path) -> dict[str, str]:
    """Scenario node id -> status, from a ``--spec-results`` document."""
    return {scenario["nodeid"]: scenario["status"] for scenario in json.loads(results.read_text())["scenarios"]}


@dataclass(frozen=True)
class Leftovers:
    """What runs of the suite could leave behind, at one moment."""

    run_directories: frozenset[str]  # run-* under the embedded data root
    postgres_processes: frozenset[int]  # postgres processes working inside the embedded data root
    shm_entries: frozenset[str]  # /dev/shm entries other than the data root itself
    sysv_segments: frozenset[int]  # System V shared memory segment ids
    spec_databases: frozenset[str]  # spec_* databases on the service (empty when it does not answer)
    temp_entries: frozenset[str]  # entries of the temp directory

    def growth_since(self, before: Leftovers) -> dict[str, list]:
        """What is here now and was not before, by kind (kinds with nothing new are left out)."""
        grown = {}
        for kind in fields(self):
            new = getattr(self, kind.name) - getattr(before, kind.name)
            if new:
                grown[kind.name] = sorted(new)
        return grown


def leftovers(root: Path | None = None, service_url: str | None = SERVICE_URL) -> Leftovers:
    """A snapshot; ``root``: the embedded data root the runs use (SPEC_PG_DATA_ROOT's product directory).

    Other runs on the machine (or on the service) show up too: give each test's runs a private data root,
    and compare databases by name, not by count.
    """
    root = root or data_root()
    return Leftovers(
        run_directories=frozenset(path.name for path in root.glob("run-*")),
        postgres_processes=frozenset(process.pid for process in our_postgres_processes(root)),
        shm_entries=frozenset(entry.name for entry in SHM.iterdir() if SHM / entry.name != root)
        if SHM.is_dir()
        else frozenset(),
        sysv_segments=frozenset(_sysv_segment_ids()),
        spec_databases=frozenset(spec_databases(service_url)) if service_url and service_answers() else frozenset(),
        temp_entries=frozenset(os.listdir(os.environ.get("TMPDIR", "/tmp"))),
    )


def our_postgres_processes(root: Path | None = None) -> list[psutil.Process]:
    """postgres processes of the embedded provider under ``root`` (default: the data root in use): a postmaster
    and its children work in their data directory."""
    root = str(root or data_root())
    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            if process.cwd().startswith(root + os.sep) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


def spec_databases(service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that are named like the suite's own."""
    engine = create_engine(service_url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": PREFIX.replace("_", r"\_") + "%"},
            )
            return {name for (name,) in names}
    finally:
        engine.dispose()


def _sysv_segment_ids() -> list[int]:
    try:
        lines = SYSV_SHM.read_text().splitlines()[1:]
    except OSError:
        return []
    return [int(line.split()[1]) for line in lines if line.split()]


# --- watching a run: its output as it comes, its processes, the moment to stop it -----------------------

RESULT_LINE = re.compile(r"\[\s*\d+%\]\s*$")  # pytest -v: a test's outcome line ends with its progress


class WatchedRun:
    """A pytest run in the background (give it ``-v``), its output read as it comes with the time of each line.

    A result line is one test's outcome; phases of a run, by its output: ``server start`` before the first
    result, ``mid-scenario`` between the first and the last, ``teardown`` after the last.
    """

    def __init__(self, *arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT):
        self.started = time.monotonic()
        self.process = start_run(*arguments, env={"PYTHONUNBUFFERED": "1", **(env or {})}, cwd=cwd)
        self.lines: list[tuple[float, str]] = []  # (seconds since the start, line)
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def result_times(self) -> list[float]:
        with self._changed:
            return [at for at, line in self.lines if RESULT_LINE.search(line)]

    def wait_for_results(self, count: int, timeout: float = 120) -> bool:
        """Until ``count`` results were printed (True), or the run ended or the time ran out (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.result_times()) < count:
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    return False
                self._changed.wait(0.05)
        return True

    def wait_for_line(self, part: str, timeout: float = 120) -> bool:
        """Until a line holding ``part`` was printed (True), or the run ended or the time ran out (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(part in line for _, line in self.lines):
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    return False
                self._changed.wait(0.05)
        return True

    def selected(self) -> int:
        """How many tests the run selected (from its ``collected ...`` line; 0 before it)."""
        self.wait_for_line("collected ")
        for _, line in self.lines:
            found = re.search(r"collected (\d+) items?(?: / \d+ deselected / (\d+) selected)?", line)
            if found:
                return int(found.group(2) or found.group(1))
        return 0

    def processes(self) -> list[psutil.Process]:
        """The run and everything it started that is still running (servers, their workers and backends)."""
        try:
            run = psutil.Process(self.process.pid)
            return [run, *run.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def finish(self, timeout: float = 120) -> int:
        """The exit code, once the run and its output have ended."""
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def stop(self) -> None:
        """Kill what is left (a test's own clean-up)."""
        with suppress(ProcessLookupError):
            self.process.kill()
        self.finish(30)


def wait_until_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``processes`` still running after ``timeout`` seconds; a zombie (ended, waiting for whoever
    adopted it to collect it) counts as gone."""
    deadline = time.monotonic() + timeout
    running = list(processes)
    while running:
        running = [process for process in running if not gone(process)]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return running


def phase_of(results_before: int, results_in_all: int) -> str:
    """The phase of a run a moment falls in, by the results printed before it."""
    if results_before == 0:
        return "server start"
    return "mid-scenario" if results_before < results_in_all else "teardown"


def databases_owned_by(pid: int, service_url: str = SERVICE_URL) -> set[str]:
    """The service's databases whose owner mark names process ``pid`` of this host."""
    from support.database.own_database import owner_of_mark
    from support.processes import this_host

    engine = create_engine(service_url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"))
            owners = {name: owner_of_mark(comment) for name, comment in rows}
    finally:
        engine.dispose()
    return {name for name, owner in owners.items() if owner and owner.pid == pid and owner.host == this_host()}
