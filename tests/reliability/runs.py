"""Real runs of the suite in child processes, and what runs leave behind on the machine and the server.

Shared by the reliability tests and the soak benchmark; nothing here mocks a server or a process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from support.database.embedded import data_root
from support.database.own_database import PREFIX

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
    return subprocess.run(
        pytest_command(*arguments),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


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
    """``git status --porcelain --ignored`` of the repository: its changed, new and ignored entries."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True, text=True, check=True
    )
    return frozenset(status.stdout.splitlines())


def databases_owned_by(role: str, service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that ``role`` owns (what a run as that role could have created)."""
    engine = create_engine(service_url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = :role"), {"role": role}
            )
            return {name for (name,) in names}
    finally:
        engine.dispose()
