"""Bad input met after the start-up checks used to pass it (issue 19, items 4 to 6): a server that cannot hold the
suite's database, and Gherkin that pytest-bdd takes without a word. Each row is a row of test_bad_input.py's table,
checked the same way (a real run in a child process; one line naming the cause and the fix; nothing written)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from support.database.embedded import launcher
from tests.reliability import runs
from tests.reliability.test_bad_input import (  # noqa: F401 (fixtures: attempt, service_role)
    SERVICE_PSYCOPG2,
    Attempt,
    attempt,
    feature_file,
    full_disk,
    needs_service,
    service_role,
    the_one_line,
    what_is_written,
)
from tests.servers import connected, throwaway_role

pytestmark = pytest.mark.reliability


# --- how each bad input is made ----------------------------------------------------------------------------


def _service_role_run(bad: Attempt, role: str) -> None:
    bad.arguments = ["--db=url", f"--db-url=postgresql://{role}@127.0.0.1:5432/postgres"]
    bad.facts["role"] = role
    bad.databases = lambda: runs.databases_owned_by(role)


@contextmanager
def read_only_role(bad: Attempt) -> Iterator[None]:
    """A role whose transactions are read-only, as on a standby: CREATE DATABASE is refused."""
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB") as role, connected(SERVICE_PSYCOPG2) as connection:
        connection.exec_driver_sql(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
        _service_role_run(bad, role)
        yield


@contextmanager
def read_only_role_with_workers(bad: Attempt) -> Iterator[None]:
    with read_only_role(bad):
        bad.arguments += ["-n", "2"]
        yield


@contextmanager
def role_with_one_connection(bad: Attempt) -> Iterator[None]:
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB CONNECTION LIMIT 1") as role:
        _service_role_run(bad, role)
        yield


@contextmanager
def server_with_few_connection_slots(bad: Attempt) -> Iterator[None]:
    """An embedded server of the test's own started with max_connections = 6, named to the run by URL."""
    from support.database.embedded.provider import serve_embedded

    settings = dict(launcher.SERVER_SETTINGS)
    launcher.SERVER_SETTINGS["max_connections"] = "6"
    try:
        with serve_embedded() as server:
            launcher.SERVER_SETTINGS.update(settings)
            admin_url = server.admin_url
            bad.arguments = ["--db=url", f"--db-url={admin_url.render_as_string(hide_password=False)}"]
            bad.facts["who"] = admin_url.username

            def databases() -> set[str]:
                with connected(admin_url) as connection:
                    return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())

            bad.databases = databases
            yield
    finally:
        launcher.SERVER_SETTINGS.update(settings)


@contextmanager
def sslmode_without_ssl(bad: Attempt) -> Iterator[None]:
    with connected(SERVICE_PSYCOPG2) as connection:
        if connection.exec_driver_sql("SHOW ssl").scalar() == "on":
            pytest.skip("the service accepts SSL")
    bad.arguments = ["--db=url", "--db-url=postgresql://postgres@127.0.0.1:5432/postgres?sslmode=require"]
    yield


@contextmanager
def data_root_too_small_for_the_database(bad: Attempt) -> Iterator[None]:
    """A 61 MiB tmpfs as the data root: room for the cached cluster and a run's copy of it, not for CREATE
    DATABASE. A first run builds the cache (a cache is kept on purpose), the checked run then finds it."""
    with full_disk(bad):  # test_bad_input's 2 MiB tmpfs as the data root, grown
        subprocess.run(["mount", "-o", "remount,size=61m", str(bad.data_root)], check=True)
        runs.run(*bad.arguments, env=bad.env, cwd=bad.project, timeout=120)
        yield


@contextmanager
def empty_feature_beside_another(bad: Attempt) -> Iterator[None]:
    (bad.project / "empty.feature").write_text("Feature: nothing yet\n  Prose, and no scenario.\n")
    steps = bad.project / "test_spec.py"
    both = 'scenarios("spec.feature", "empty.feature")'
    steps.write_text(steps.read_text().replace('scenarios("spec.feature")', both))
    yield


# --- the table: (id, how the input is made, the one line expected) -------------------------------------------

SCENARIO = "  Scenario: {}\n    Given a number\n    When it is divided by 2\n    Then there is a result\n"
DUPLICATE_NAME = "Feature: division\n" + SCENARIO.format("halving") + "\n" + SCENARIO.format("halving")
BAD_VERSION_TAG = "Feature: division\n  @sqlalchemy:>=banana\n" + SCENARIO.format("halving")
OUTLINE_LACKING_A_COLUMN = (
    "Feature: division\n  Scenario Outline: halving\n    Given a number\n    When it is divided by <divisor>\n"
    "    Then there is a result\n\n    Examples:\n      | dividend |\n      | 4        |\n"
)
NO_SCENARIO = "Feature: nothing yet\n  Prose, and no scenario.\n"
NO_SCENARIO_LINE = (
    r'\S*FILE\.feature:1: feature "nothing yet" has no scenario, so none of it runs: add a Scenario, or remove the file'
)
READ_ONLY = (
    r"ERROR: database: the url PostgreSQL [\d.]+ at 127\.0\.0\.1:5432 as {role} runs every transaction read-only "
    r"\(cannot execute CREATE DATABASE in a read-only transaction\): the suite must create a database; use a primary "
    r"server and a role whose default_transaction_read_only is off \(ALTER ROLE {role} RESET "
    r"default_transaction_read_only\)"
)

AFTER_START = [
    ("read-only-role", read_only_role, READ_ONLY),
    ("read-only-role-with-workers", read_only_role_with_workers, READ_ONLY),
    ("role-with-one-connection", role_with_one_connection,
     r"ERROR: database: role '{role}' at 127\.0\.0\.1:5432 may open 1 more "
     r"connection\(s\), the run holds up to 12 at once: raise its CONNECTION LIMIT, or end its other sessions"),
    ("server-with-few-connection-slots", server_with_few_connection_slots,
     r"ERROR: database: the url PostgreSQL [\d.]+ at \S+ as {who} has [0-6] free connection slot\(s\), the run holds "
     r"up to 12 at once: raise max_connections, or end other sessions"),
    ("data-root-too-small-for-the-database", data_root_too_small_for_the_database,
     r"ERROR: database: the embedded PostgreSQL [\d.]+ has no room for the suite's database \(.*No space left on "
     r"device\): free space under {root}, or set SPEC_PG_DATA_ROOT to a directory with room"),
    ("sslmode-require-without-ssl", sslmode_without_ssl,
     r"ERROR: database: the server at 127\.0\.0\.1:5432 does not accept SSL, but the URL asks for it "
     r"\(sslmode=require\): drop sslmode from the URL, or enable SSL on the server"),
    ("scenario-name-used-twice", feature_file(DUPLICATE_NAME),
     r'\S*spec\.feature:2 and line 7: two scenarios are named "halving", and only the last would run: give each '
     r"scenario of a feature a name of its own"),
    ("malformed-version-tag", feature_file(BAD_VERSION_TAG),
     r"\S*spec\.feature:2: version tag @sqlalchemy:>=banana is not valid: write @sqlalchemy:<specifier>, "
     r"e\.g\. @sqlalchemy:>=2\.0 or @sqlalchemy:>=1\.4,<2\.0"),
    ("examples-lacking-a-column", feature_file(OUTLINE_LACKING_A_COLUMN),
     r'\S*spec\.feature:7: the Examples table of scenario outline "halving" lacks the column <divisor> that step '
     r'"When it is divided by <divisor>" \(line 4\) uses: add the column to the table, or reword the step'),
    ("feature-without-scenarios", feature_file(NO_SCENARIO), NO_SCENARIO_LINE.replace("FILE", "spec")),
    ("feature-without-scenarios-beside-another", empty_feature_beside_another,
     NO_SCENARIO_LINE.replace("FILE", "empty")),
]  # fmt: skip
ON_THE_SERVICE = {"read-only-role", "read-only-role-with-workers", "role-with-one-connection"}
ON_THE_SERVICE |= {"sslmode-require-without-ssl", "scenario-name-used-twice", "malformed-version-tag"}
ON_THE_SERVICE |= {"examples-lacking-a-column", "feature-without-scenarios", "feature-without-scenarios-beside-another"}


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(make, expected, id=name, marks=[needs_service] if name in ON_THE_SERVICE else [])
        for name, make, expected in AFTER_START
    ],
)
def test_bad_input_after_the_start_is_refused_once_naming_the_fix_and_writes_nothing(
    make,
    expected,
    attempt,  # noqa: F811 (test_bad_input's fixture)
):
    with make(attempt):
        before = _without_bookkeeping(what_is_written(attempt))
        completed = runs.run(*attempt.arguments, env=attempt.env, cwd=attempt.project, timeout=120)
        after = _without_bookkeeping(what_is_written(attempt))
    output = completed.stdout
    assert completed.returncode in (1, 2, 4), f"exit {completed.returncode}\n{output}"
    facts = {name: re.escape(value) for name, value in attempt.facts.items()}
    the_one_line(output, "^" + expected.format(**facts) + "$")
    assert after == before


def _without_bookkeeping(written: dict[str, frozenset]) -> dict[str, frozenset]:
    """The url provider's directory of pending entries may stay, empty, as the cache's directory does."""
    pending = "sqlalchemy-session-spec/pending-databases"
    return written | {"data root": frozenset(path for path in written["data root"] if path != pending)}


@needs_service
def test_a_run_refused_after_collection_keeps_the_last_results(tmp_path: Path):
    project = runs.write_project(tmp_path / "project")
    results = project / "results.json"
    results.write_text("the last run's results\n")
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB") as role, connected(SERVICE_PSYCOPG2) as connection:
        connection.exec_driver_sql(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
        url = f"postgresql://{role}@127.0.0.1:5432/postgres"
        completed = runs.run("--db=url", f"--db-url={url}", f"--spec-results={results}", cwd=project, timeout=120)
    assert completed.returncode == 4, completed.stdout
    assert results.read_text() == "the last run's results\n"
