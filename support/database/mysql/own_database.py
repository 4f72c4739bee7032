"""The suite's own database in a MySQL/MariaDB server: created for the run, dropped at its end, by PostgreSQL's rules
(support.database.own_database).

Only databases named ``spec_<8 hex>_<worker>`` are ever dropped: one this process created, or one whose owner mark
names a process of this host that has provably ended (a killed run's). MySQL has no comment on a database, so the
mark is the one row of a table inside it, ``spec_owner``; a pending entry, written before CREATE DATABASE, covers
the moment before that row is there. A database without our mark, of another host or of a live process is never
touched.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.database.own_database import (
    OWN_NAME,
    new_database_name,
    pending_entries,
    refuse_unless_our_name,
    refuse_unless_provably_abandoned,
    sweep_marked,
)
from support.scratch import Owner

SYNC_DRIVER = "pymysql"
ASYNC_DRIVER = "aiomysql"
BACKENDS = ("mysql", "mariadb")  # SQLAlchemy's names of the family: a mariadb:// URL insists on a MariaDB server
DEFAULT_PORT = 3306
MARK_TABLE = "spec_owner"

_created_here: set[str] = set()  # names this process created (or is creating) and has not dropped yet


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


@contextmanager
def own_database(admin_url: URL, worker: str = "main", pending: Path | None = None) -> Iterator[URL]:
    """A new, empty database on ``admin_url``'s server for the block (a PyMySQL URL), marked with this process as its
    owner; dropped at its end. ``pending``: a local directory for the entry covering CREATE DATABASE until the mark."""
    name = new_database_name(worker)
    admin = admin_engine(admin_url)
    try:
        _created_here.add(name)  # from before CREATE: an interrupt during it still ends in the drop below
        try:
            try:
                _create_marked(admin, name, pending)
            except Exception:
                if not _exists(admin, name):  # the creation failed: nothing to drop, and its error is the news
                    _created_here.discard(name)
                    if pending:
                        (pending / name).unlink(missing_ok=True)
                raise
            yield sync_url(admin_url).set(database=name)
        finally:
            if name in _created_here:
                drop_own_database(admin, name)
    finally:
        admin.dispose()


def _create_marked(admin: Engine, name: str, pending: Path | None) -> None:
    mark = Owner.current().mark()
    entry = pending / name if pending else None
    if entry:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_text(f"{server_key(admin.url)}\n{mark}\n")
        except OSError:  # bookkeeping only, as for PostgreSQL
            entry = None
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        connection.exec_driver_sql(f"CREATE TABLE `{name}`.{MARK_TABLE} (mark VARCHAR(255) NOT NULL) ENGINE=InnoDB")
        connection.execute(text(f"INSERT INTO `{name}`.{MARK_TABLE} (mark) VALUES (:mark)"), {"mark": mark})
    if entry:
        entry.unlink(missing_ok=True)


def _exists(admin: Engine, name: str) -> bool:
    try:
        with admin.connect() as connection:
            return name in _database_names(connection)
    except DBAPIError:
        return False


def _database_names(connection) -> set[str]:
    return set(connection.execute(text("SELECT schema_name FROM information_schema.schemata")).scalars())


def _mark_of(connection, name: str) -> str | None:
    """The owner mark inside database ``name``; None when it has none (no table, no row)."""
    try:
        return connection.exec_driver_sql(f"SELECT mark FROM `{name}`.{MARK_TABLE} LIMIT 1").scalar()
    except DBAPIError:
        return None


def drop_own_database(admin: Engine, name: str) -> None:
    """End the database's other connections, then drop it; refuses (ValueError) a name not ours or not made here."""
    refuse_unless_our_name(name)
    if name not in _created_here:
        raise ValueError(f"refusing to drop {name!r}: this process did not create it")
    _drop(admin, name)
    _created_here.discard(name)


def drop_abandoned_database(admin: Engine, name: str, pending: Path | None = None) -> None:
    """Drop a database of ours whose owner, a process of this host, has provably ended; refuses (ValueError) any
    other: a name not ours, no mark (nor pending entry), another host, or a live owner."""
    refuse_unless_our_name(name)
    if name in _created_here:
        raise ValueError(f"refusing to sweep {name!r}: this process created it and is alive")
    with admin.connect() as connection:
        mark = _mark_of(connection, name)
    refuse_unless_provably_abandoned(name, mark, pending_entries(pending, server_key(admin.url)))
    _drop(admin, name)


def sweep_abandoned_databases(admin: Engine, pending: Path | None = None) -> list[str]:
    """Drop every database of ours whose owner has provably ended; the names dropped."""
    with admin.connect() as connection:
        marks = {name: _mark_of(connection, name) if OWN_NAME.fullmatch(name) else None
                 for name in _database_names(connection)}  # fmt: skip
    entries = pending_entries(pending, server_key(admin.url))
    return sweep_marked(marks, entries, lambda name: drop_abandoned_database(admin, name, pending))


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


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        end_other_connections(connection, name)
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
