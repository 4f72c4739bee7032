"""The suite's own database inside a server: created for the run, dropped at its end.

Only databases named ``spec_<8 hex>_<worker>`` are ever dropped, and only by one of two paths:

- ``drop_own_database``: a database this process created;
- ``drop_abandoned_database`` (and the sweep at the start of a url run): a database whose owner mark names a
  process of this host (same host name, boot and pid namespace) that has provably ended, i.e. a run killed
  before it could drop its own. The mark (support.scratch's owner mark) is a ``COMMENT ON DATABASE`` written
  right after the creation; a pending entry in a local directory, written before the creation, covers the
  moment in between.

A database without our mark, of another host, or of a live process is never touched.

The rules are the same on every server; what differs (how a database is created and marked, found, listed with its
mark, and dropped) is a ``Dialect``: PostgreSQL's here (the mark is a ``COMMENT ON DATABASE``), MySQL/MariaDB's in
support.database.mysql.own_database. The dialect is the admin URL's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.scratch import Owner, owner_of_mark

PREFIX = "spec_"
OWN_NAME = re.compile(r"spec_[0-9a-f]{8}_[a-z0-9]{1,40}")
SYNC_DRIVER = "postgresql+psycopg2"
ASYNC_DRIVER = "postgresql+asyncpg"
# the libpq URL parameters the suite understands (the url provider refuses others), as asyncpg names them;
# None: about connecting only, left out for asyncpg
URL_PARAMETERS = {
    "host": "host",
    "port": "port",
    "user": "user",
    "password": "password",
    "sslmode": "ssl",
    "connect_timeout": None,
    "application_name": None,
}

_created_here: set[str] = set()  # names this process created (or is creating) and has not dropped yet


def new_database_name(worker: str = "main") -> str:
    """``spec_<8 hex>_<worker>``: unique per run and per pytest-xdist worker, a plain lower-case identifier."""
    suffix = "".join(character for character in worker.lower() if character.isascii() and character.isalnum())
    return f"{PREFIX}{secrets.token_hex(4)}_{suffix[:40] or 'main'}"


def as_async_url(url: URL) -> URL:
    """The same database through asyncpg (aiosqlite for an SQLite file, aiomysql for MySQL/MariaDB); a unix-socket URL
    keeps its ``host`` directory."""
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if url.get_backend_name() in ("mysql", "mariadb"):
        return url.set(drivername=f"{url.get_backend_name()}+aiomysql")
    query = {}
    for name, value in url.query.items():
        if name not in URL_PARAMETERS:
            raise ValueError(f"the URL parameter {name!r} has no asyncpg equivalent: remove it from the URL")
        if URL_PARAMETERS[name]:
            query[URL_PARAMETERS[name]] = value
    return url.set(drivername=ASYNC_DRIVER, query=query)


def server_key(admin_url: URL) -> str:
    """The server a pending entry belongs to: host (or socket directory) and port."""
    return f"{admin_url.host or admin_url.query.get('host')}:{admin_url.port or admin_url.query.get('port') or 5432}"


@dataclass(frozen=True)
class Dialect:
    """What the own-database rules need from one kind of server."""

    engine: Callable[[URL], Engine]  # an AUTOCOMMIT engine without a pool on a server's admin URL
    database_url: Callable[[URL, str], URL]  # the URL of the database ``name`` beside the admin URL's
    server_key: Callable[[URL], str]  # the server a pending entry belongs to
    create_marked: Callable[[Connection, str, str], None]  # CREATE DATABASE ``name``, then write its owner mark
    exists: Callable[[Connection, str], bool]
    marks: Callable[[Connection], dict[str, str | None]]  # every database there, with its owner mark or None
    mark_of: Callable[[Connection, str], str | None]  # the owner mark of database ``name``, or None
    drop: Callable[[Connection, str, bool | None], None]  # end ``name``'s other connections, then drop it


def dialect_of(url: URL) -> Dialect:
    """The admin URL's dialect: MySQL/MariaDB's for a mysql or mariadb URL, else PostgreSQL's."""
    from .mysql import own_database as mysql

    return mysql.DIALECT if mysql.is_mysql(url) else POSTGRESQL


@contextmanager
def own_database(admin_url: URL, worker: str = "main", pending: Path | None = None) -> Iterator[URL]:
    """A new, empty database beside ``admin_url``'s for the block (a psycopg2 URL, or PyMySQL's for MySQL/MariaDB),
    marked with this process as its owner; dropped at its end. ``pending``: a local directory for the entry that
    covers the moment between CREATE DATABASE and its mark (the url provider's, whose server outlives the run)."""
    dialect = dialect_of(admin_url)
    name = new_database_name(worker)
    admin = dialect.engine(admin_url)
    try:
        _created_here.add(name)  # from before CREATE: an interrupt during it still ends in the drop below
        try:
            try:
                _create_marked(admin, name, pending, dialect)
            except Exception:
                if not _exists(admin, name, dialect):  # the creation failed: nothing to drop, its error is the news
                    _created_here.discard(name)
                    if pending:  # nor anything for a later sweep to look for
                        (pending / name).unlink(missing_ok=True)
                raise
            yield dialect.database_url(admin_url, name)
        finally:
            if name in _created_here:  # unless the block dropped it itself
                drop_own_database(admin, name)
    finally:
        admin.dispose()


def _create_marked(admin: Engine, name: str, pending: Path | None, dialect: Dialect) -> None:
    mark = Owner.current().mark()
    entry = pending / name if pending else None
    if entry:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_text(f"{dialect.server_key(admin.url)}\n{mark}\n")
        except OSError:  # bookkeeping only: the database is made all the same, just without that safety net
            entry = None
    with admin.connect() as connection:
        dialect.create_marked(connection, name, mark)
    if entry:
        entry.unlink(missing_ok=True)


def _exists(admin: Engine, name: str, dialect: Dialect) -> bool:
    try:
        with admin.connect() as connection:
            return dialect.exists(connection, name)
    except DBAPIError:
        return False  # no server to ask: a database made before its mark is left to its pending entry


def drop_own_database(admin: Engine, name: str, force: bool | None = None) -> None:
    """End the database's other connections, then drop it.

    Refuses (ValueError) any name not of our pattern or not created by this process. ``force`` (PostgreSQL):
    DROP ... WITH (FORCE); by default when the server has it (13 and later).
    """
    refuse_unless_our_name(name)
    if name not in _created_here:
        raise ValueError(f"refusing to drop {name!r}: this process did not create it")
    _drop(admin, name, force)
    _created_here.discard(name)


def drop_abandoned_database(admin: Engine, name: str, pending: Path | None = None, force: bool | None = None) -> None:
    """Drop a database of ours whose owner, a process of this host, has provably ended.

    Refuses (ValueError) any name not of our pattern, and any database whose owner mark (or, with no mark yet,
    pending entry) does not name such a process: no mark, another host, or a process still running.
    """
    refuse_unless_our_name(name)
    if name in _created_here:
        raise ValueError(f"refusing to sweep {name!r}: this process created it and is alive")
    dialect = dialect_of(admin.url)
    with admin.connect() as connection:
        mark = dialect.mark_of(connection, name)
    refuse_unless_provably_abandoned(name, mark, pending_entries(pending, dialect.server_key(admin.url)))
    _drop(admin, name, force)


def sweep_abandoned_databases(admin: Engine, pending: Path | None = None) -> list[str]:
    """Drop every database of ours whose owner has provably ended; the names dropped.

    Candidates are named like ours and carry our mark or have a pending entry here; each is judged again by
    ``drop_abandoned_database``, and one that another run's sweep dropped first is passed over.
    """
    dialect = dialect_of(admin.url)
    with admin.connect() as connection:
        marks = dialect.marks(connection)
    entries = pending_entries(pending, dialect.server_key(admin.url))
    return sweep_marked(marks, entries, lambda name: drop_abandoned_database(admin, name, pending))


def sweep_marked(marks: dict[str, str | None], entries: dict, drop_abandoned: Callable[[str], None]) -> list[str]:
    """The sweep of any server: ``marks`` holds every database there with its owner mark (None: none); a database
    named like ours with our mark or a pending entry goes to ``drop_abandoned``, which judges it again (and one that
    another run's sweep dropped first is passed over); a dead owner's entry whose database is gone is removed."""
    swept = []
    for name in sorted(marks):
        if OWN_NAME.fullmatch(name) and (owner_of_mark(marks[name]) or name in entries):
            with suppress(ValueError, DBAPIError):
                drop_abandoned(name)
                swept.append(name)
    for name, (entry, owner) in entries.items():  # a dead owner's entry whose database is gone now
        if (name not in marks or name in swept) and owner.provably_dead():
            entry.unlink(missing_ok=True)
    return swept


def refuse_unless_provably_abandoned(name: str, mark: str | None, entries: dict) -> None:
    """Refuses (ValueError) a database whose mark (or, with no mark yet, pending entry) names no process of this
    host that has provably ended: no mark, another host, or a process still running."""
    pending_owner = entries.get(name, (None, None))[1]
    owner = owner_of_mark(mark) or (pending_owner if mark is None else None)
    if owner is None:
        raise ValueError(f"refusing to sweep {name!r}: it carries no owner mark of ours")
    if not owner.provably_dead():
        raise ValueError(f"refusing to sweep {name!r}: its owner ({owner.mark()}) is alive or not of this host")


def pending_entries(pending: Path | None, key: str) -> dict[str, tuple[Path, Owner]]:
    """The pending entries of the server ``key`` names (its ``server_key``) by database name, with their owners
    (other servers' wait for a run there)."""
    entries = {}
    try:
        listed = sorted(pending.iterdir()) if pending and pending.is_dir() else []
    except OSError:  # a place this user cannot read holds no entries of theirs
        listed = []
    for entry in listed:
        with suppress(OSError, ValueError):
            server, mark = entry.read_text().splitlines()
            owner = owner_of_mark(mark)
            if OWN_NAME.fullmatch(entry.name) and server == key and owner:
                entries[entry.name] = (entry, owner)
    return entries


def refuse_unless_our_name(name: str) -> None:
    if not OWN_NAME.fullmatch(name):
        raise ValueError(f"refusing to drop {name!r}: only databases named spec_<8 hex>_<worker> are ours")


def _drop(admin: Engine, name: str, force: bool | None) -> None:
    with admin.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # DROP DATABASE needs it
        dialect_of(admin.url).drop(connection, name, force)


# --- PostgreSQL's dialect: the mark is the database's comment ------------------------------------------


def _pg_engine(admin_url: URL) -> Engine:
    return create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _pg_create_marked(connection: Connection, name: str, mark: str) -> None:
    # template0: nothing a server's template1 may hold comes along
    connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    connection.execute(text(f'COMMENT ON DATABASE "{name}" IS :mark'), {"mark": mark})


def _pg_exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
    return found.first() is not None


def _pg_marks(connection: Connection) -> dict[str, str | None]:
    marks = connection.execute(text("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"))
    return dict(marks.all())


def _pg_mark_of(connection: Connection, name: str) -> str | None:
    return connection.execute(
        text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"), {"name": name}
    ).scalar()


def _pg_drop(connection: Connection, name: str, force: bool | None) -> None:
    connection.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    )
    if force is None:
        force = connection.dialect.server_version_info >= (13,)
    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else ""))


POSTGRESQL = Dialect(
    engine=_pg_engine,
    database_url=lambda admin_url, name: admin_url.set(drivername=SYNC_DRIVER, database=name),
    server_key=server_key,
    create_marked=_pg_create_marked,
    exists=_pg_exists,
    marks=_pg_marks,
    mark_of=_pg_mark_of,
    drop=_pg_drop,
)
