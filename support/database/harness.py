"""The suite's own database: schema once per run, tables reset before each scenario."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from support.models import Base

# Connections of the harness itself carry this name; every other connection to the suite's
# database is the scenarios' and is ended before the next scenario starts.
HARNESS_APPLICATION_NAME = "spec-harness"


@dataclass
class SpecDatabase:
    url: URL  # psycopg2
    async_url: URL  # asyncpg
    janitor: Connection  # AUTOCOMMIT, used only to reset

    def reset(self) -> None:
        """End what earlier scenarios left connected, then empty every table, children first."""
        tables = ", ".join(table.name for table in reversed(Base.metadata.sorted_tables))
        self.janitor.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            f"AND application_name <> '{HARNESS_APPLICATION_NAME}'; "
            + "".join(f"DELETE FROM {name}; " for name in tables.split(", "))
        )


def harness_engine(url: URL) -> Engine:
    """An engine for the harness's own connections: no pool, AUTOCOMMIT, bounded lock waits."""
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
