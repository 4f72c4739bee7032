"""The suite's own database inside a server: created for the run, dropped at its end.

Only databases this process created, named ``spec_<8 hex>_<worker>``, are ever dropped.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

PREFIX = "spec_"
OWN_NAME = re.compile(r"spec_[0-9a-f]{8}_[a-z0-9]{1,40}")
SYNC_DRIVER = "postgresql+psycopg2"
ASYNC_DRIVER = "postgresql+asyncpg"
# libpq URL parameters as asyncpg names them; None: about connecting only, left out for asyncpg
ASYNCPG_PARAMETERS = {
    "host": "host",
    "port": "port",
    "user": "user",
    "password": "password",
    "sslmode": "ssl",
    "connect_timeout": None,
    "application_name": None,
}

_created_here: set[str] = set()  # names this process created and has not dropped yet


def new_database_name(worker: str = "main") -> str:
    """``spec_<8 hex>_<worker>``: unique per run and per pytest-xdist worker, a plain lower-case identifier."""
    suffix = "".join(character for character in worker.lower() if character.isascii() and character.isalnum())
    return f"{PREFIX}{secrets.token_hex(4)}_{suffix[:40] or 'main'}"


def as_async_url(url: URL) -> URL:
    """The same database through asyncpg; a unix-socket URL keeps its ``host`` directory."""
    query = {}
    for name, value in url.query.items():
        if name not in ASYNCPG_PARAMETERS:
            raise ValueError(f"the URL parameter {name!r} has no asyncpg equivalent: remove it from the URL")
        if ASYNCPG_PARAMETERS[name]:
            query[ASYNCPG_PARAMETERS[name]] = value
    return url.set(drivername=ASYNC_DRIVER, query=query)


@contextmanager
def own_database(admin_url: URL, worker: str = "main") -> Iterator[URL]:
    """A new, empty database beside ``admin_url``'s for the block (a psycopg2 URL); dropped at its end."""
    name = new_database_name(worker)
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            # template0: nothing a server's template1 may hold comes along
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        _created_here.add(name)
        try:
            yield admin_url.set(drivername=SYNC_DRIVER, database=name)
        finally:
            if name in _created_here:  # unless the block dropped it itself
                drop_own_database(admin, name)
    finally:
        admin.dispose()


def drop_own_database(admin: Engine, name: str, force: bool | None = None) -> None:
    """End the database's other connections, then drop it.

    Refuses (ValueError) any name not of our pattern or not created by this process. ``force``: DROP ...
    WITH (FORCE); by default when the server has it (13 and later).
    """
    if not OWN_NAME.fullmatch(name):
        raise ValueError(f"refusing to drop {name!r}: only databases named spec_<8 hex>_<worker> are ours")
    if name not in _created_here:
        raise ValueError(f"refusing to drop {name!r}: this process did not create it")
    with admin.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # DROP DATABASE needs it
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        if force is None:
            force = connection.dialect.server_version_info >= (13,)
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else ""))
    _created_here.discard(name)
