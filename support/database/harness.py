"""The suite's own database: schema once per run, tables reset before each scenario."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from support.database.mysql.own_database import end_other_connections
from support.models import Base

# Connections of the harness itself carry this name; every other connection to the suite's
# database is the scenarios' and is ended before the next scenario starts.
HARNESS_APPLICATION_NAME = "spec-harness"
# MySQL has no application name to tell them by: the harness's connections' ids
_mysql_harness_connections: set[int] = set()


@dataclass
class SpecDatabase:
    url: URL  # psycopg2 (pysqlite)
    async_url: URL  # asyncpg (aiosqlite)
    janitor: Connection  # AUTOCOMMIT, used only to reset

    def reset(self) -> None:
        """End what earlier scenarios left connected, then empty every table, children first (SQLite has no other
        connections to end: each scenario's sessions and engines are closed at its teardown)."""
        tables = ", ".join(table.name for table in reversed(Base.metadata.sorted_tables))
        if self.url.get_backend_name() == "sqlite":  # pysqlite runs one statement per call
            for name in tables.split(", "):
                self.janitor.exec_driver_sql(f"DELETE FROM {name}")
            return
        if self.url.get_backend_name() in ("mysql", "mariadb"):  # PyMySQL too, and InnoDB's row locks would hold it
            end_other_connections(self.janitor, self.url.database, keep=_mysql_harness_connections)
            for name in tables.split(", "):
                self.janitor.exec_driver_sql(f"DELETE FROM {name}")
            return
        self.janitor.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            f"AND application_name <> '{HARNESS_APPLICATION_NAME}'; "
            + "".join(f"DELETE FROM {name}; " for name in tables.split(", "))
        )


def harness_engine(url: URL) -> Engine:
    """An engine for the harness's own connections: no pool, AUTOCOMMIT, bounded lock waits."""
    if url.get_backend_name() == "sqlite":  # pysqlite waits 5 s for a lock by default
        return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    if url.get_backend_name() in ("mysql", "mariadb"):  # InnoDB waits 50 s for a row lock by default
        engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"init_command": "SET SESSION innodb_lock_wait_timeout = 5"},
        )
        event.listen(engine, "connect", _remember_mysql_harness_connection)
        return engine
    return create_engine(
        url,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": HARNESS_APPLICATION_NAME, "options": "-c lock_timeout=5s"},
    )


@contextmanager
def prepared_database(url: URL, async_url: URL) -> Iterator[SpecDatabase]:
    """Create the schema in the suite's own database and keep a janitor connection for resets."""
    engine = harness_engine(url)
    try:
        with engine.connect() as connection:
            Base.metadata.create_all(connection)
            yield SpecDatabase(url=url, async_url=async_url, janitor=connection)
    finally:
        engine.dispose()


def _remember_mysql_harness_connection(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT CONNECTION_ID()")
    _mysql_harness_connections.add(cursor.fetchone()[0])
    cursor.close()
