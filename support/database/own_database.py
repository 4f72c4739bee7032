"""The suite's own database inside a server: created for the run, dropped at its end."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

PREFIX = "spec_"


def new_database_name(worker: str = "main") -> str:
    return f"{PREFIX}{secrets.token_hex(4)}_{''.join(c for c in worker.lower() if c.isalnum())}"


def as_async_url(url: URL) -> URL:
    return url.set(drivername="postgresql+asyncpg")


@contextmanager
def own_database(admin_url: URL, worker: str = "main") -> Iterator[URL]:
    name = new_database_name(worker)
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.set(database=name)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.dispose()
