"""Steps about the database itself: how the scenario's connections to SQLite are set up (support.sqlite_engines),
and what SQLite's file locking shows another connection (support.sqlite_locking)."""

import pytest
from pytest_bdd import given, parsers, then, when

from support.database.harness import SpecDatabase
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.sqlite_engines import SqliteSettings
from support.sqlite_locking import can_commit_on_a_new_connection, commit_email_on_a_new_connection, journal_mode


@given(typed("the session's connections to SQLite {setting:SqliteSettingOff}"))
def _(sqlite_settings: SqliteSettings, setting: str):
    """SQLite's and pysqlite's own defaults, for the connections the scenario's engines open next: no
    PRAGMA foreign_keys=ON, or pysqlite's own transaction handling without SQLAlchemy's documented workaround."""
    setattr(sqlite_settings, setting, False)


@given(typed("the session's connections to SQLite {setting:SqliteSettingOn}"))
def _(sqlite_settings: SqliteSettings, setting: str):
    """SQLAlchemy's documented pysqlite workaround on the connections the scenario's engines open next: BEGIN sent
    when the session begins, so its reads run inside a real SQLite transaction."""
    setattr(sqlite_settings, setting, True)


@pytest.fixture
def wal_journal(observer: Observer):
    """The database file in WAL mode for the scenario, back in rollback-journal mode at teardown (a Given before the
    scenario's sessions, so that they are closed first: SQLite leaves WAL mode only when no other connection reads)."""
    with journal_mode(observer.connection, "WAL"):
        yield


@given("the SQLite database file is in WAL mode")
def _(wal_journal):
    """The mode is the file's: every connection to it, the other connection's included, reads and writes in WAL."""


@when(
    parsers.parse(
        "another connection commits the email {email} for employee {employee_id:d}, "
        "waiting at most {seconds:d} second for SQLite's lock"
    )
)
def _(database: SpecDatabase, outcome: Outcome, email: str, employee_id: int, seconds: int):
    outcome.attempt(lambda: commit_email_on_a_new_connection(database.url, employee_id, email, seconds))


@then(
    typed(
        "another connection {can:CanOrCannot} commit a change to employee {employee_id:d}, "
        "waiting at most {seconds:d} second for SQLite's lock"
    )
)
def _(database: SpecDatabase, outcome: Outcome, can: bool, employee_id: int, seconds: int):
    """After the When succeeded: an UPDATE that leaves the row as it was, committed on a connection of its own."""
    outcome.succeeded()
    assert can_commit_on_a_new_connection(database.url, employee_id, seconds) is can, (
        "another connection committed" if not can else "another connection's commit found the database locked"
    )
