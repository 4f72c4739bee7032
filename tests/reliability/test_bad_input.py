"""Bad input: each row is a real ``python -m pytest`` run, in a child process, of a small project that uses the
harness as its plugin (tests/samples/division), given one bad input. Every row must end with:

- a non-zero exit: 1 (a scenario refused at setup), 2 (collection interrupted) or 4 (usage error), never a pass
  and never pytest's internal error;
- **one line**: exactly one line of the output (stdout and stderr merged) matches the row's expected line, which
  names the problem and its fix. The only other lines allowed to repeat the start of that message are pytest's
  own short-summary lines (``ERROR <node id> - <message, cut>``), which pytest writes for every failure. And
  there is no traceback or multi-line dump anywhere: no ``Traceback (most recent call last)``, no
  ``File "...", line N`` frame, no pytest code excerpt (``path.py:N: in ...``, ``>   ...``), no ``E   ...``
  exception line and no "The above exception was the direct cause";
- **nothing written**: the same before and after the run, for the repository (``git status --porcelain
  --ignored``), the project the run ran in, the run's private temp directory (TMPDIR), its private embedded data
  root (SPEC_PG_DATA_ROOT: no run directory, no cluster or half-built cluster, no copy of binaries; the empty
  skeleton ``sqlalchemy-session-spec/cache/`` and a build's lock file may stay, since a lock is never removed
  while another run could be waiting on it), the databases of the server the row targets that the run could
  have created, no postgres process left under the data root, and no orphaned shared memory (a System V
  segment or a /dev/shm file of our accounts that no process uses: what a crashed PostgreSQL leaves). Python's
  bytecode caches are switched off for the run (PYTHONDONTWRITEBYTECODE): they are Python's, not the harness's.

Each row also keeps its secrets (a password in the URL) out of the output.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from tests.helpers import child_runs, leftovers, service
from tests.helpers.from_support import PINNED_IMAGE, PRODUCT_DIR
from tests.helpers.samples import BAD_FEATURES, sample_project
from tests.helpers.servers import connected, password_checking_server, server_with_few_connections, throwaway_role
from tests.helpers.stand_ins import silent_server, stand_in_engine

pytestmark = [pytest.mark.reliability, child_runs.TAKES_TURNS]

SERVICE_PSYCOPG2 = make_url(service.SERVICE_URL).set(drivername="postgresql+psycopg2")
SERVICE_HERE = service.service_answers()
needs_service = pytest.mark.skipif(not SERVICE_HERE, reason="no PostgreSQL service on 127.0.0.1:5432")
TRACEBACK_SIGNS = re.compile(
    r"^(Traceback \(most recent call last\)|\s*File \".*\", line \d+|\S+\.py:\d+: in |>\s|E\s{3}"
    r"|The above exception was the direct cause)",
    re.MULTILINE,
)
SHORT_SUMMARY = re.compile(r"^(ERROR|FAILED) \S+ - ")


@dataclass
class Attempt:
    """One run with one bad input: what a row's maker sets, and what the run may not write to."""

    project: Path  # the run's working directory, a project of its own
    data_root: Path  # SPEC_PG_DATA_ROOT
    temp_dir: Path  # TMPDIR
    arguments: list[str]
    env: dict[str, str]
    facts: dict[str, str] = field(default_factory=dict)  # values the expected line names: a port, a role, a path
    secrets: list[str] = field(default_factory=list)  # what the output must never show
    databases: Callable[[], set[str]] = set  # databases of the targeted server the run could have created


# --- how each bad input is made ----------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


@contextmanager
def unreachable_url(attempt: Attempt) -> Iterator[None]:
    attempt.facts["port"] = str(closed_port())
    attempt.secrets.append("Closed-port-secret")
    attempt.arguments = [
        "--db=url",
        f"--db-url=postgresql://postgres:Closed-port-secret@127.0.0.1:{attempt.facts['port']}/",
    ]
    yield


@contextmanager
def malformed_url(attempt: Attempt) -> Iterator[None]:
    attempt.secrets.append("Malformed-secret")
    attempt.arguments = ["--db=url", "--db-url=postgresql://me:Malformed-secret@db.example:port/app"]
    yield


@contextmanager
def wrong_password(attempt: Attempt) -> Iterator[None]:
    with (
        password_checking_server() as admin_url,
        throwaway_role(admin_url, "LOGIN CREATEDB PASSWORD 'the-right-one'") as role,
    ):
        wrong = admin_url.set(username=role, password="Wrong-password-secret")
        attempt.arguments = ["--db=url", f"--db-url={wrong.render_as_string(hide_password=False)}"]
        attempt.facts.update(role=role, where=f"{admin_url.query['host']}:5432")
        attempt.secrets.append("Wrong-password-secret")
        attempt.databases = databases_of(admin_url)
        yield


def databases_of(admin_url: URL) -> Callable[[], set[str]]:
    """What lists the databases of a private server (every one of them a run could have made)."""

    def databases() -> set[str]:
        with connected(admin_url) as connection:
            return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())

    return databases


def service_role_with(attributes: str) -> Callable[[Attempt], contextmanager]:
    """A maker: a role of the test's own on the service, with these attributes, runs the suite."""

    @contextmanager
    def make(attempt: Attempt) -> Iterator[None]:
        with throwaway_role(SERVICE_PSYCOPG2, attributes) as role:
            _service_role_run(attempt, role)
            yield

    return make


role_without_createdb = service_role_with("LOGIN NOCREATEDB")


@contextmanager
def docker_engine_that_hangs(attempt: Attempt) -> Iterator[None]:
    path = attempt.temp_dir.parent / "docker.sock"
    with silent_server(socket.AF_UNIX, str(path)):
        attempt.env["DOCKER_HOST"] = f"unix://{path}"
        attempt.arguments = ["--db=container"]
        attempt.facts["engine"] = f"unix://{path}"
        yield


@contextmanager
def missing_image(attempt: Attempt) -> Iterator[None]:
    path = attempt.temp_dir.parent / "docker.sock"
    with stand_in_engine(str(path), image_present=False, registry="refuses"):
        attempt.env["DOCKER_HOST"] = f"unix://{path}"
        attempt.arguments = ["--db=container"]
        attempt.facts["image"] = PINNED_IMAGE
        yield


def feature_file(name: str) -> Callable[[Attempt], contextmanager]:
    """A maker that puts the bad feature ``name`` (tests/samples/bad_features/) in the project."""

    @contextmanager
    def make(attempt: Attempt) -> Iterator[None]:
        shutil.copy(BAD_FEATURES / f"{name}.feature", attempt.project / "spec.feature")
        yield

    return make


@contextmanager
def ambiguous_step(attempt: Attempt) -> Iterator[None]:
    steps = attempt.project / "test_spec.py"
    steps.write_text(steps.read_text() + '\n\n@when("it is divided by 2")\ndef _():\n    pass\n')
    yield


@contextmanager
def unsupported_sqlalchemy(attempt: Attempt, old_sqlalchemy: Path) -> Iterator[None]:
    attempt.env["PYTHONPATH"] = str(old_sqlalchemy)  # first on the path: SQLAlchemy 1.3 shadows the installed one
    yield


@contextmanager
def binary_directory_without_postgresql(attempt: Attempt) -> Iterator[None]:
    empty = attempt.temp_dir.parent / "empty-bin"
    empty.mkdir()
    attempt.arguments = ["--db=embedded", f"--pg-bin={empty}"]
    attempt.facts["dir"] = str(empty)
    yield


def embedded_with_data_root(attempt: Attempt, data_root: Path, watched: Path) -> None:
    """The embedded provider with SPEC_PG_DATA_ROOT=data_root; ``watched``: where nothing may be written."""
    attempt.data_root = watched
    attempt.env["SPEC_PG_DATA_ROOT"] = str(data_root)
    attempt.arguments = ["--db=embedded"]
    attempt.facts["root"] = f"{data_root}/sqlalchemy-session-spec"


@contextmanager
def full_disk(attempt: Attempt) -> Iterator[None]:
    """A 2 MiB tmpfs as the data root: too small for initdb's cluster."""
    # outside pytest's private tmp_path: the server's unprivileged user must be able to enter it
    mount_point = Path(tempfile.mkdtemp(prefix="spec-full-disk-"))
    mount_point.chmod(0o755)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mount_point)])
    try:
        if mounted.returncode:
            pytest.skip("cannot mount a tmpfs here (mounting needs root)")
        embedded_with_data_root(attempt, mount_point, watched=mount_point)
        yield
    finally:
        if not mounted.returncode:
            subprocess.run(["umount", str(mount_point)], check=True)
        mount_point.rmdir()


@contextmanager
def data_root_too_deep_for_a_socket(attempt: Attempt) -> Iterator[None]:
    """A data root whose server socket path would pass the 107 bytes a unix socket's path may have; one the
    server's unprivileged user can enter (outside pytest's private tmp_path), so only its depth is wrong."""
    base = Path(tempfile.mkdtemp(prefix="spec-deep-"))
    try:
        base.chmod(0o755)
        deep = base / ("d" * 60)
        deep.mkdir(mode=0o755)
        embedded_with_data_root(attempt, deep, watched=base)
        yield
    finally:
        shutil.rmtree(base)


@contextmanager
def data_root_too_small_for_the_database(attempt: Attempt) -> Iterator[None]:
    """A 61 MiB tmpfs as the data root: room for the cached cluster and a run's copy of it, not for CREATE
    DATABASE. A first run builds the cache (kept on purpose), the checked run then finds it."""
    with full_disk(attempt):  # the 2 MiB tmpfs, grown
        subprocess.run(["mount", "-o", "remount,size=61m", str(attempt.data_root)], check=True)
        child_runs.run(*attempt.arguments, env=attempt.env, cwd=attempt.project, timeout=120)
        yield


def _service_role_run(attempt: Attempt, role: str) -> None:
    attempt.arguments = ["--db=url", f"--db-url=postgresql://{role}@127.0.0.1:5432/postgres"]
    attempt.facts["role"] = role
    attempt.databases = lambda: service.databases_owned_by(role)


@contextmanager
def read_only_role(attempt: Attempt, workers: int = 0) -> Iterator[None]:
    """A role whose transactions are read-only, as on a standby: CREATE DATABASE is refused."""
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB") as role, connected(SERVICE_PSYCOPG2) as connection:
        connection.exec_driver_sql(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
        _service_role_run(attempt, role)
        attempt.arguments += ["-n", str(workers)] if workers else []
        yield


@contextmanager
def server_with_few_connection_slots(attempt: Attempt) -> Iterator[None]:
    with server_with_few_connections(6) as admin_url:
        attempt.arguments = ["--db=url", f"--db-url={admin_url.render_as_string(hide_password=False)}"]
        attempt.facts["who"] = admin_url.username
        attempt.databases = databases_of(admin_url)
        yield


@contextmanager
def sslmode_without_ssl(attempt: Attempt) -> Iterator[None]:
    with connected(SERVICE_PSYCOPG2) as connection:
        if connection.exec_driver_sql("SHOW ssl").scalar() == "on":
            pytest.skip("the service accepts SSL")
    attempt.arguments = ["--db=url", "--db-url=postgresql://postgres@127.0.0.1:5432/postgres?sslmode=require"]
    yield


@contextmanager
def empty_feature_beside_another(attempt: Attempt) -> Iterator[None]:
    shutil.copy(BAD_FEATURES / "no_scenario.feature", attempt.project / "empty.feature")
    steps = attempt.project / "test_spec.py"
    both = 'scenarios("spec.feature", "empty.feature")'
    steps.write_text(steps.read_text().replace('scenarios("spec.feature")', both))
    yield


# --- the table: (id, how the input is made[, the row whose line it expects]); the lines: bad_input_lines.toml ---

ROWS = [
    ("unreachable-url", unreachable_url),
    ("malformed-url", malformed_url),
    ("wrong-password", wrong_password),
    ("role-without-createdb", role_without_createdb),
    ("docker-engine-that-hangs", docker_engine_that_hangs),
    ("missing-image", missing_image),
    ("malformed-feature-file", feature_file("malformed")),
    ("undefined-step", feature_file("undefined_step")),
    ("ambiguous-step", ambiguous_step),
    ("scenario-without-steps", feature_file("no_steps")),
    ("unknown-tag", feature_file("unknown_tag")),
    ("unsupported-sqlalchemy", unsupported_sqlalchemy),
    ("binary-directory-without-postgresql", binary_directory_without_postgresql),
    # from a checkout the server's account cannot read (under /root, in `mktemp -d`), the binaries' copy into the
    # data root meets the full disk first: named as briefly
    ("full-disk-under-the-data-directory", full_disk),
    ("data-root-too-deep-for-a-socket", data_root_too_deep_for_a_socket),
    # input the start-up checks used to let through, to fail every scenario or none (issue 19, items 4 to 6)
    ("read-only-role", read_only_role),
    ("read-only-role-with-workers", lambda attempt: read_only_role(attempt, workers=2), "read-only-role"),
    ("role-with-one-connection", service_role_with("LOGIN CREATEDB CONNECTION LIMIT 1")),
    ("server-with-few-connection-slots", server_with_few_connection_slots),
    ("data-root-too-small-for-the-database", data_root_too_small_for_the_database),
    ("sslmode-require-without-ssl", sslmode_without_ssl),
    ("scenario-name-used-twice", feature_file("duplicate_name")),
    ("malformed-version-tag", feature_file("bad_version_tag")),
    ("examples-lacking-a-column", feature_file("examples_lacking_a_column")),
    ("feature-without-scenarios", feature_file("no_scenario")),
    ("feature-without-scenarios-beside-another", empty_feature_beside_another),
]
LINES = tomllib.loads((Path(__file__).parent / "bad_input_lines.toml").read_text())
BAD_INPUTS = [(row[0], row[1], LINES[row[-1] if len(row) == 3 else row[0]]) for row in ROWS]
assert set(LINES) <= {row[0] for row in ROWS}, "a line in bad_input_lines.toml that no row expects"
ON_THE_SERVICE = {"role-without-createdb", "malformed-feature-file", "undefined-step", "ambiguous-step"}
ON_THE_SERVICE |= {"scenario-without-steps", "unknown-tag"}  # the Gherkin rows run on the service, as a role of ours
ON_THE_SERVICE |= {"read-only-role", "read-only-role-with-workers", "role-with-one-connection"}
ON_THE_SERVICE |= {"sslmode-require-without-ssl", "scenario-name-used-twice", "malformed-version-tag"}
ON_THE_SERVICE |= {"examples-lacking-a-column", "feature-without-scenarios", "feature-without-scenarios-beside-another"}


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_role() -> Iterator[str | None]:
    """A role of the test's own on the service, that may create databases: whatever it owns, a run made."""
    if not SERVICE_HERE:
        yield None
        return
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB") as role:
        yield role


@pytest.fixture(scope="module")
def old_sqlalchemy(tmp_path_factory) -> Path:
    """A real SQLAlchemy older than the supported range, installed once into a directory of its own."""
    target = tmp_path_factory.mktemp("sqlalchemy-1.3")
    installed = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--target", str(target), "--python", sys.executable,
         "sqlalchemy<1.4"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return target


@pytest.fixture
def attempt(tmp_path: Path, service_role: str | None) -> Attempt:
    data_root, temp_dir = tmp_path / "data-root", tmp_path / "tmp"
    data_root.mkdir()
    temp_dir.mkdir()
    arguments = ["--db=url", f"--db-url=postgresql://{service_role}@127.0.0.1:5432/postgres"] if service_role else []
    return Attempt(
        project=sample_project(tmp_path / "project"),
        data_root=data_root,
        temp_dir=temp_dir,
        arguments=arguments,
        env={
            "SPEC_PG_DATA_ROOT": str(data_root),
            "TMPDIR": str(temp_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
            "DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock",  # auto never asks the machine's Docker
        },
        databases=(lambda: service.databases_owned_by(service_role)) if service_role else set,
    )


# --- the check -----------------------------------------------------------------------------------------------


def what_is_written(attempt: Attempt) -> dict[str, frozenset]:
    return {
        "repository": leftovers.project_status(),
        "project": leftovers.everything_under(attempt.project),
        "temp directory": leftovers.everything_under(attempt.temp_dir),
        "data root": frozenset(path for path in leftovers.everything_under(attempt.data_root) if not _skeleton(path)),
        "databases": frozenset(attempt.databases()),
        "postgres processes": frozenset(process.pid for process in leftovers.our_postgres_processes(attempt.data_root)),
        "shared memory": leftovers.orphaned_shared_memory(),
    }


SKELETON = {"cache", "binaries", "pending-databases"}  # an empty pending-databases/: the url provider's bookkeeping


def _skeleton(path: str) -> bool:
    """Our directory under the data root, its cache/, binaries/ and pending-databases/ folders and build locks: no
    data."""
    return (
        path == PRODUCT_DIR
        or path.removeprefix(f"{PRODUCT_DIR}/") in SKELETON
        or (path.startswith(f"{PRODUCT_DIR}/cache/") and path.endswith(".lock"))
    )


def the_one_line(output: str, expected: str) -> str:
    """The single line carrying the expected message; fails on a repeat, a traceback or a multi-line dump."""
    lines = output.splitlines()
    carrying = [line for line in lines if re.search(expected, line)]
    assert len(carrying) == 1, f"expected exactly one line matching {expected!r}, got {carrying}\n{output}"
    line = carrying[0]
    message_start = line[re.search(expected, line).start() :][:40]
    message_start = message_start.removeprefix("ERROR: ")
    repeats = [other for other in lines if message_start in other and other != line]
    assert all(SHORT_SUMMARY.match(other) for other in repeats), f"the error is repeated: {repeats}\n{output}"
    dump = TRACEBACK_SIGNS.search(output)
    assert dump is None, f"a traceback or multi-line dump: {dump.group(0)!r}\n{output}"
    return line


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(make, expected, id=name, marks=[needs_service] if name in ON_THE_SERVICE else [])
        for name, make, expected in BAD_INPUTS
    ],
)
def test_bad_input_is_refused_in_one_line_naming_the_fix_and_writes_nothing(
    make, expected, attempt: Attempt, request: pytest.FixtureRequest
):
    arguments = (request.getfixturevalue("old_sqlalchemy"),) if make is unsupported_sqlalchemy else ()
    with make(attempt, *arguments):
        before = what_is_written(attempt)
        completed = child_runs.run(*attempt.arguments, env=attempt.env, cwd=attempt.project, timeout=120)
        after = what_is_written(attempt)
    output = completed.stdout
    assert completed.returncode in (1, 2, 4), f"exit {completed.returncode}\n{output}"
    facts = {name: re.escape(value) for name, value in attempt.facts.items()}
    the_one_line(output, "^" + expected.format(**facts) + "$")
    for secret in attempt.secrets:
        assert secret not in output
    assert after == before


@needs_service
def test_a_run_refused_after_collection_keeps_the_last_results(attempt: Attempt):
    results = attempt.project / "results.json"
    results.write_text("the last run's results\n")
    with read_only_role(attempt):
        completed = child_runs.run(
            *attempt.arguments, f"--spec-results={results}", env=attempt.env, cwd=attempt.project
        )
    assert completed.returncode == 4, completed.stdout
    assert results.read_text() == "the last run's results\n"
