"""Real runs of the suite in child processes, and what runs leave behind on the machine and the server.

Shared by the reliability tests and the soak benchmark; nothing here mocks a server or a process.
"""

from __future__ import annotations

import json
import os
import re
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

from support.database.embedded.account import server_account
from support.database.embedded.binaries import default_bin_dir
from support.database.embedded.cluster_cache import cache_dir_for
from support.database.embedded.shared_memory import sysv_segments
from support.database.own_database import PREFIX
from support.processes import gone
from support.scratch import PRODUCT_DIR, data_root

ROOT = Path(__file__).resolve().parents[2]
SERVICE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"  # the machine's own PostgreSQL, when it runs
SHM = Path("/dev/shm")


def service_answers(url_host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        socket.create_connection((url_host, port), timeout=2).close()
        return True
    except OSError:
        return False


def pytest_command(*arguments: str | Path) -> list[str]:
    """``python -m pytest`` with these arguments, in the suite's own interpreter."""
    return [sys.executable, "-m", "pytest", *map(str, arguments)]


def start_run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A pytest run in the background, its stdout and stderr merged into one text pipe."""
    return subprocess.Popen(
        pytest_command(*arguments),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 900):
    """A pytest run to its end: the CompletedProcess, with stdout and stderr merged."""
    with start_run(*arguments, env=env, cwd=cwd) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, output)


def statuses(results: Path) -> dict[str, str]:
    """Scenario node id -> status, from a ``--spec-results`` document."""
    return {scenario["nodeid"]: scenario["status"] for scenario in json.loads(results.read_text())["scenarios"]}


@dataclass(frozen=True)
class Leftovers:
    """What runs of the suite could leave behind, at one moment."""

    run_directories: frozenset[str]  # run-* under the embedded data root
    postgres_processes: frozenset[int]  # postgres processes working inside the embedded data root
    shm_segments: frozenset[str]  # PostgreSQL's POSIX segments in /dev/shm that no process has mapped
    sysv_segments: frozenset[int]  # System V segments no process is attached to
    spec_databases: frozenset[str]  # spec_* databases on the service (empty when it does not answer)
    temp_entries: frozenset[str]  # entries of the temp directory the runs were given

    def growth_since(self, before: Leftovers) -> dict[str, list]:
        """What is here now and was not before, by kind (kinds with nothing new are left out)."""
        grown = {}
        for kind in fields(self):
            new = getattr(self, kind.name) - getattr(before, kind.name)
            if new:
                grown[kind.name] = sorted(new)
        return grown


def leftovers(
    root: Path | None = None, service_url: str | None = SERVICE_URL, temp_dir: Path | None = None
) -> Leftovers:
    """A snapshot. ``root``: the embedded data root the runs use (SPEC_PG_DATA_ROOT's product directory);
    ``temp_dir``: the TMPDIR the runs were given.

    Other runs on the machine (or on the service) show up too: give each test's runs a private data root and
    temp directory, and compare databases by name, not by count.
    """
    root = root or data_root()
    owners = our_accounts()
    return Leftovers(
        run_directories=frozenset(path.name for path in root.glob("run-*")),
        postgres_processes=frozenset(process.pid for process in our_postgres_processes(root)),
        shm_segments=frozenset(_orphaned_posix_segments(owners)),
        sysv_segments=frozenset(_orphaned_sysv_segments(owners)),
        spec_databases=frozenset(spec_databases(service_url)) if service_url and service_answers() else frozenset(),
        temp_entries=frozenset(entry.name for entry in _entries(temp_dir or Path(tempfile.gettempdir()))),
    )


def our_accounts() -> set[int]:
    """The user ids our runs and their servers run as."""
    account = server_account()
    return {os.geteuid(), os.geteuid() if account.uid is None else account.uid}


def orphaned_shared_memory() -> frozenset[str]:
    """Shared memory of our accounts that no process uses any more: what a crashed PostgreSQL leaves."""
    owners = our_accounts()
    return frozenset(
        [f"System V segment {shmid}" for shmid in _orphaned_sysv_segments(owners)]
        + [f"/dev/shm/{name}" for name in _orphaned_posix_segments(owners)]
    )


def _entries(directory: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except OSError:
        return []


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


def service_rows(sql: str, parameters: dict | None = None, service_url: str = SERVICE_URL) -> list[tuple]:
    """The rows of one query on the service, over a connection of its own."""
    engine = create_engine(service_url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), parameters or {})]
    finally:
        engine.dispose()


def spec_databases(service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that are named like the suite's own."""
    like_ours = {"prefix": PREFIX.replace("_", r"\_") + "%"}
    return {name for (name,) in service_rows("SELECT datname FROM pg_database WHERE datname LIKE :prefix", like_ours,
                                             service_url)}  # fmt: skip


def _orphaned_sysv_segments(owners: set[int]) -> list[int]:
    """Ids of System V shared memory segments of ``owners`` that no process is attached to.

    A running PostgreSQL stays attached to its segment; one left by a server that died unclean is not.
    """
    return [s["shmid"] for s in sysv_segments() if s["uid"] in owners and s["nattch"] == 0]


def _orphaned_posix_segments(owners: set[int]) -> list[str]:
    """PostgreSQL's POSIX shared memory files in /dev/shm, of ``owners``, that no process has mapped."""
    candidates = {
        entry.name
        for entry in _entries(SHM)
        if entry.name.startswith("PostgreSQL.") and entry.stat(follow_symlinks=False).st_uid in owners
    }
    if not candidates:
        return []
    mapped = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            mapped.update(line.rsplit("/", 1)[-1] for line in maps.read_text().splitlines() if "/dev/shm/" in line)
        except OSError:
            continue
    return sorted(candidates - mapped)


@dataclass(frozen=True)
class SoakRun:
    seconds: float
    returncode: int
    output_tail: str
    growth: dict[str, list]  # what is left now that was not there before the first run


def soak(runs: int, workspace: Path, *pytest_options: str, service_url: str | None = None) -> Iterator[SoakRun]:
    """The whole specification ``runs`` times in a row, one process each; after every run, what is left
    behind compared with before the first.

    ``workspace``: a private directory for the runs' data root and temp directory, so that other runs on the
    machine do not count; the server's account must be able to enter it (``enterable_workspace``).
    ``service_url``: the server the runs use with ``--db=url``, whose spec_* databases then count too.
    Orphaned shared memory is counted machine-wide for our accounts: soak on an otherwise quiet machine.
    """
    data_root_dir, temp_dir = workspace / "data", workspace / "tmp"
    data_root_dir.mkdir(exist_ok=True)
    temp_dir.mkdir(exist_ok=True)
    root = data_root_dir / "sqlalchemy-session-spec"
    environment = {"SPEC_PG_DATA_ROOT": str(data_root_dir), "TMPDIR": str(temp_dir)}
    before = leftovers(root, service_url, temp_dir)
    for _ in range(runs):
        started = time.perf_counter()
        completed = run("steps", "-q", "-p", "no:randomly", *pytest_options, env=environment)
        seconds = time.perf_counter() - started
        growth = leftovers(root, service_url, temp_dir).growth_since(before)
        yield SoakRun(seconds, completed.returncode, completed.stdout[-3000:], growth)


@contextmanager
def enterable_workspace(prefix: str = "spec-reliability-") -> Iterator[Path]:
    """A new directory that the embedded server's account may enter (pytest's tmp_path is private to us)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        os.chmod(directory, 0o755)
        yield Path(directory)


# --- a small specification project of its own, and what a run writes ---------------------------------

PROJECT_STEPS = """
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("spec.feature")


@given("a number")
def _():
    pass


@when(parsers.parse("it is divided by {divisor:d}"))
def _(outcome, divisor):
    outcome.attempt(lambda: 1 / divisor)


@then("there is a result")
def _(outcome):
    outcome.succeeded()
"""

PROJECT_FEATURE = """\
Feature: division
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result
"""


def write_project(directory: Path, feature: str = PROJECT_FEATURE, steps: str = PROJECT_STEPS) -> Path:
    """A project that uses the harness as a plugin, as a user's would: conftest, pytest.ini, a feature, its steps.

    Like the repository's, it keeps no pytest cache; its runs keep the file order (no pytest-randomly) and load no
    pytest-asyncio (whose warning about its settings is noise here).
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "conftest.py").write_text('pytest_plugins = ["support.pytest_plugin", "support.report.collector"]\n')
    (directory / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider -p no:randomly -p no:asyncio\n"
        "markers =\n    area: an area tag\n"
    )
    (directory / "spec.feature").write_text(feature)
    (directory / "test_spec.py").write_text(steps)
    return directory


def everything_under(directory: Path) -> frozenset[str]:
    """Every file and directory below ``directory``, as relative paths (empty when it does not exist)."""
    if not directory.is_dir():
        return frozenset()
    return frozenset(str(path.relative_to(directory)) for path in directory.rglob("*"))


def project_status(repo: Path = ROOT) -> frozenset[str]:
    """``git status --porcelain --ignored`` of the repository: its changed, new and ignored entries, but Python's
    bytecode caches (written by whichever process first imports a module, where PYTHONDONTWRITEBYTECODE is unset)."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True, text=True, check=True
    )
    return frozenset(line for line in status.stdout.splitlines() if not line.rstrip("/").endswith("__pycache__"))


def databases_owned_by(role: str, service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that ``role`` owns (what a run as that role could have created)."""
    sql = "SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = :role"
    return {name for (name,) in service_rows(sql, {"role": role}, service_url)}


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
        return self._wait_until(lambda: len(self.result_times()) >= count, timeout)

    def wait_for_line(self, part: str, timeout: float = 120) -> bool:
        """Until a line holding ``part`` was printed (True), or the run ended or the time ran out (False)."""
        return self._wait_until(lambda: any(part in line for _, line in self.lines), timeout)

    def _wait_until(self, printed, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not printed():
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


def databases_marked_by(pid: int, service_url: str = SERVICE_URL) -> set[str]:
    """The service's databases whose owner mark names process ``pid`` of this host."""
    from support.scratch import owner_of_mark, this_host

    rows = service_rows("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database", None, service_url)
    owners = {name: owner_of_mark(comment) for name, comment in rows}
    return {name for name, owner in owners.items() if owner and owner.pid == pid and owner.host == this_host()}


@contextmanager
def private_data_root() -> Iterator[Path]:
    """A ``SPEC_PG_DATA_ROOT`` of its own that the server's account may enter, its cluster cache seeded from the
    shared one when that exists (no initdb); any server still running in it is killed at the end."""
    with enterable_workspace("spec-kills-") as base:
        try:
            shared = cache_dir_for(default_bin_dir())
            if shared.is_dir():
                (base / PRODUCT_DIR / "cache").mkdir(parents=True)
                subprocess.run(["cp", "-a", str(shared), str(base / PRODUCT_DIR / "cache" / shared.name)], check=True)
            yield base
        finally:
            for process in our_postgres_processes(base / PRODUCT_DIR):
                with suppress(psutil.Error):
                    process.kill()
