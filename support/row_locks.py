"""Row locks a test's transaction holds: the locking read of the code under test, and another connection that waits.

The code under test reads an order through the session the test handed it, with ``select(...).with_for_update()``
or without, and commits (under the recommended fixture, a RELEASE SAVEPOINT). The other connection is what a live
server thread or a background worker in the test would use: its own engine on the same database, each statement its
own transaction (AUTOCOMMIT), waiting for a lock at most a few seconds, set on the connection itself (for 1 s):

- PostgreSQL: ``SET lock_timeout = '1s'`` (no limit by default);
- MySQL/MariaDB: ``SET innodb_lock_wait_timeout = 1`` (InnoDB waits 50 s by default);
- SQLite: ``PRAGMA busy_timeout = 1000``, the wait for the database file's lock (pysqlite waits 5 s by default).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import create_engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.joining import JoinedTest
from support.models import ShopOrder


def database_name(url: URL) -> str:
    """The run's database as support.databases names it: postgresql, mysql (MariaDB too) or sqlite."""
    backend = url.get_backend_name()
    return "mysql" if backend == "mariadb" else backend


# the run's database -> the statement that bounds the other connection's wait for a lock to ``seconds``
_LOCK_TIMEOUTS = {
    "postgresql": "SET lock_timeout = '{seconds}s'",
    "mysql": "SET innodb_lock_wait_timeout = {seconds}",
    "sqlite": "PRAGMA busy_timeout = {milliseconds}",
}


@dataclass(frozen=True)
class OrderRead:
    """What the code under test reads, and how: the order it asks for, whether FOR UPDATE, whether it is stored."""

    order_id: int
    for_update: bool
    stored: bool


READS = {
    "locks order 1 with SELECT ... FOR UPDATE, changes nothing": OrderRead(1, for_update=True, stored=True),
    "reads order 1 without a lock, changes nothing": OrderRead(1, for_update=False, stored=True),
    "locks order 5, which is not stored, with SELECT ... FOR UPDATE": OrderRead(5, for_update=True, stored=False),
}

# what the other connection tries, each its own transaction
CHANGES = {
    "update of order 1": "UPDATE shop_orders SET state = 'elsewhere' WHERE id = 1",
    "insert of order 5": "INSERT INTO shop_orders (id, state) VALUES (5, 'elsewhere')",
    "insert of order 4": "INSERT INTO shop_orders (id, state) VALUES (4, 'elsewhere')",  # no scenario stores order 4
    "insert of order 0": "INSERT INTO shop_orders (id, state) VALUES (0, 'elsewhere')",  # before order 1
}


class OrderFoundOrMissing(AssertionError):
    """The order the read expected to find (or not to find) was not as the scenario stored it."""


def _statement(read: OrderRead):
    statement = select(ShopOrder).where(ShopOrder.id == read.order_id)
    return statement.with_for_update() if read.for_update else statement


def _check_found(read: OrderRead, found) -> str:
    if (found is not None) is not read.stored:
        raise OrderFoundOrMissing(f"order {read.order_id} was {'' if found is not None else 'not '}found")
    return "done"


def read_and_commit(joined: JoinedTest, read: OrderRead) -> str:
    """The code under test's read, then its commit, on the session the test handed it (sync or async)."""
    if joined.is_async:
        return joined.runner.run(_read_and_commit_async(joined.session, read))
    found = joined.session.execute(_statement(read)).scalar_one_or_none()
    joined.session.commit()
    return _check_found(read, found)


async def _read_and_commit_async(session, read: OrderRead) -> str:
    found = (await session.execute(_statement(read))).scalar_one_or_none()
    await session.commit()
    return _check_found(read, found)


@dataclass(frozen=True)
class Attempt:
    """How long the other connection's statement took, and the error it ended with (None: it went through)."""

    seconds: float
    error: DBAPIError | None

    def driver_error(self) -> str:
        """The driver's own exception class, qualified: psycopg2.errors.LockNotAvailable, sqlite3.OperationalError."""
        orig = type(self.error.orig)
        return f"{orig.__module__}.{orig.__qualname__}"


class OtherConnection:
    """Another connection to the run's database with a short lock timeout, opened for each attempt and closed after
    it, as a server thread's request would (nothing stays open to hold up the scenario's teardown)."""

    def __init__(self, url: URL, lock_timeout_seconds: int):
        self.lock_timeout_seconds = lock_timeout_seconds
        self._engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._lock_timeout = _LOCK_TIMEOUTS[database_name(url)].format(
            seconds=lock_timeout_seconds, milliseconds=lock_timeout_seconds * 1000
        )

    def attempt(self, change: str) -> Attempt:
        with self._engine.connect() as connection:
            connection.exec_driver_sql(self._lock_timeout)
            started = time.monotonic()
            try:
                connection.exec_driver_sql(change)
            except DBAPIError as error:
                return Attempt(time.monotonic() - started, error)
            return Attempt(time.monotonic() - started, None)

    def close(self) -> None:
        self._engine.dispose()
