"""The suite's own database inside a server: created for the run, dropped at its end."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

PREFIX = "spec_"
OWN_NAME = re.compile(r"^spec_[0-9a-f]{8}_[a-z0-9]+$")


def new_database_name(worker: str = "main") -> str:
    """``spec_<8 hex>_<worker>``: unique per run and per pytest-xdist worker."""
    suffix = "".join(character for character in worker.lower() if character.isalnum()) or "main"
    return f"{PREFIX}{secrets.token_hex(4)}_{suffix}"


def as_async_url(url: URL) -> URL:
    """The same database through asyncpg (unix-socket URLs keep their ``host`` directory)."""
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
            drop_own_database(admin, name)
    finally:
        admin.dispose()


def drop_own_database(admin, name: str) -> None:
    """End the database's connections, then drop it; refuses any name this project does not make."""
    if not OWN_NAME.match(name):
        raise ValueError(f"refusing to drop {name!r}: only databases named spec_<hex>_<worker> are ours")
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        force = " WITH (FORCE)" if connection.dialect.server_version_info >= (13,) else ""
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{force}')
