"""The suite's own database in a MySQL/MariaDB server: its dialect of support.database.own_database, whose rules
(and functions: own_database, drop_own_database, drop_abandoned_database, sweep_abandoned_databases) are the same.

MySQL has no comment on a database, so the owner mark is the one row of a table inside it, ``spec_owner``; a pending
entry, written before CREATE DATABASE, covers the moment before that row is there.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import suppress

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.database.own_database import OWN_NAME, Dialect

SYNC_DRIVER = "pymysql"
ASYNC_DRIVER = "aiomysql"
BACKENDS = ("mysql", "mariadb")  # SQLAlchemy's names of the family: a mariadb:// URL insists on a MariaDB server
DEFAULT_PORT = 3306
MARK_TABLE = "spec_owner"


def is_mysql(url: URL) -> bool:
    return url.get_backend_name() in BACKENDS


def sync_url(url: URL) -> URL:
    """The same database through PyMySQL, keeping the URL's backend (mysql or mariadb)."""
    return url.set(drivername=f"{url.get_backend_name()}+{SYNC_DRIVER}")


def as_async_url(url: URL) -> URL:
    """The same database through aiomysql; a unix-socket URL keeps its ``unix_socket``."""
    return url.set(drivername=f"{url.get_backend_name()}+{ASYNC_DRIVER}")


def server_key(admin_url: URL) -> str:
    """The server a pending entry belongs to: ``mysql:`` and its host and port, or its socket."""
    return f"mysql:{admin_url.query.get('unix_socket') or admin_url.host}:{admin_url.port or DEFAULT_PORT}"


def admin_engine(admin_url: URL) -> Engine:
    return create_engine(sync_url(admin_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _create_marked(connection: Connection, name: str, mark: str) -> None:
    connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    connection.exec_driver_sql(f"CREATE TABLE `{name}`.{MARK_TABLE} (mark VARCHAR(255) NOT NULL) ENGINE=InnoDB")
    connection.execute(text(f"INSERT INTO `{name}`.{MARK_TABLE} (mark) VALUES (:mark)"), {"mark": mark})


def _database_names(connection: Connection) -> set[str]:
    return set(connection.execute(text("SELECT schema_name FROM information_schema.schemata")).scalars())


def _mark_of(connection: Connection, name: str) -> str | None:
    """The owner mark inside database ``name``; None when it has none (no table, no row)."""
    try:
        return connection.exec_driver_sql(f"SELECT mark FROM `{name}`.{MARK_TABLE} LIMIT 1").scalar()
    except DBAPIError:
        return None


def _marks(connection: Connection) -> dict[str, str | None]:
    """Every database with its mark (looked for only in those named like ours)."""
    return {name: _mark_of(connection, name) if OWN_NAME.fullmatch(name) else None
            for name in _database_names(connection)}  # fmt: skip


def end_other_connections(connection, name: str, keep: Collection[int] = ()) -> None:
    """KILL every other connection whose current database is ``name`` but those in ``keep`` (an open transaction's
    metadata locks would make DROP DATABASE, or a reset's DELETE, wait)."""
    ids = connection.execute(
        text("SELECT id FROM information_schema.processlist WHERE db = :name AND id <> CONNECTION_ID()"),
        {"name": name},
    ).scalars()
    for connection_id in [found for found in ids if found not in keep]:
        with suppress(DBAPIError):  # it ended by itself meanwhile
            connection.exec_driver_sql(f"KILL CONNECTION {int(connection_id)}")


def _drop(connection: Connection, name: str, force: bool | None) -> None:
    end_other_connections(connection, name)  # ``force`` is PostgreSQL's: KILL is always the way here
    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


DIALECT = Dialect(
    engine=admin_engine,
    database_url=lambda admin_url, name: sync_url(admin_url).set(database=name),
    server_key=server_key,
    create_marked=_create_marked,
    exists=lambda connection, name: name in _database_names(connection),
    marks=_marks,
    mark_of=_mark_of,
    drop=_drop,
)
