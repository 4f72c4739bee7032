"""What SQLite's locking shows from outside a session: another connection's commit, and the file's journal mode.

SQLite locks the whole database file. In its default rollback-journal mode a connection reading inside a transaction
holds a SHARED lock until that transaction ends, and a writer needs every SHARED lock gone to commit: it waits its
busy timeout, then fails with "database is locked". In WAL mode readers never block a writer: the writer commits,
and a reader's transaction keeps reading the snapshot it started with. The mode is a property of the file,
set by ``PRAGMA journal_mode`` on any connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from support.models import Employee


def commit_email_on_a_new_connection(url: URL, employee_id: int, email: str, lock_wait_seconds: float) -> None:
    """Another application's write, on a connection of its own that waits at most ``lock_wait_seconds`` for a lock."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": lock_wait_seconds})
    try:
        with engine.begin() as connection:
            connection.execute(Employee.__table__.update().where(Employee.id == employee_id).values(email=email))
    finally:
        engine.dispose()


def can_commit_on_a_new_connection(url: URL, employee_id: int, lock_wait_seconds: float) -> bool:
    """Whether another connection can commit an UPDATE of the employee's row (one that leaves it as it was)
    within ``lock_wait_seconds``: SQLite writes the page all the same, so the commit needs the file's lock."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": lock_wait_seconds})
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE employees SET email = email WHERE id = :id"), {"id": employee_id})
    except OperationalError as error:
        if "database is locked" in str(error):
            return False
        raise
    finally:
        engine.dispose()
    return True


@contextmanager
def journal_mode(connection: Connection, mode: str) -> Iterator[None]:
    """The database file in ``mode`` for the block, back in SQLite's default (DELETE) after it; ``connection`` is in
    AUTOCOMMIT, and every other connection must have ended its transactions by the block's end."""
    set_to = connection.execute(text(f"PRAGMA journal_mode={mode}")).scalar()
    assert set_to.lower() == mode.lower(), f"SQLite kept the journal mode {set_to} instead of {mode}"
    try:
        yield
    finally:
        restored = connection.execute(text("PRAGMA journal_mode=DELETE")).scalar()
        assert restored.lower() == "delete", f"SQLite kept the journal mode {restored}: a connection still reads"
