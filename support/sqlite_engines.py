"""How the scenarios' engines are set up on SQLite, and the two settings that change what SQLite does.

- Foreign keys: SQLite enforces them, ``ON DELETE CASCADE`` included, only on a connection that ran
  ``PRAGMA foreign_keys=ON``. The scenarios' engines run it on every new connection, as an application must; the
  cascade feature shows what happens without it.
- Pool: SQLAlchemy 2.0 keeps a file database's connections in a QueuePool; 1.4 uses NullPool, a new connection
  for every checkout. The scenarios' engines use a QueuePool on every line, so that a connection a session keeps
  is one the pool counts as checked out, as on PostgreSQL.
- Threads: pysqlite refuses a connection used on another thread than its own unless it was opened with
  ``check_same_thread=False``, which SQLAlchemy 2.0 passes by itself for a file database and 1.4 does not; the
  scenarios' engines pass it on every line, as FastAPI's and Flask's guides tell applications on 1.4 to do.
- SAVEPOINT: pysqlite (and aiosqlite, which wraps it) sends no BEGIN before a SELECT or a SAVEPOINT, so a SAVEPOINT
  may stand outside the transaction SQLAlchemy believes it began, and what it released outlives a ROLLBACK.
  SQLAlchemy documents a workaround: turn pysqlite's own transaction handling off and send BEGIN when SQLAlchemy
  begins (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html, "Serializable isolation / Savepoints /
  Transactional DDL"). The take-home plugin applies it to the engines its fixtures use
  (``sqlalchemy_session_spec.sqlite``); ``savepoint_workaround`` applies the same to the scenario's engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import QueuePool
from sqlalchemy_session_spec.sqlite import make_savepoints_work


@dataclass
class SqliteSettings:
    """What a scenario's SQLite engines do on each connection (steps of the database concept change it)."""

    foreign_keys: bool = True  # PRAGMA foreign_keys=ON on every new connection
    savepoint_workaround: bool = False  # SQLAlchemy's documented pysqlite workaround


# how a scenario says it takes a setting away -> the SqliteSettings field
SETTINGS_OFF = {"have foreign keys off": "foreign_keys", "lack the SAVEPOINT workaround": "savepoint_workaround"}
# how a scenario says it gives a setting its engines lack by default -> the SqliteSettings field
SETTINGS_ON = {"have the SAVEPOINT workaround, which sends BEGIN when a session begins": "savepoint_workaround"}


def engine_options(url: URL, options: dict) -> dict:
    """``create_engine`` options for ``url``: on SQLite, connections any thread may use, kept in a QueuePool (both
    SQLAlchemy 2.0's defaults for a file database; 1.4 opens a new connection for every checkout, NullPool)."""
    if url.get_backend_name() != "sqlite":
        return options
    return {
        "poolclass": QueuePool,
        **options,
        "connect_args": {"check_same_thread": False, **options.get("connect_args", {})},
    }


def configure(engine: Engine, settings: SqliteSettings) -> Engine:
    """``engine`` (a sync engine, or an AsyncEngine's ``sync_engine``) set up as ``settings`` say; others untouched."""
    if engine.dialect.name != "sqlite":
        return engine
    if settings.foreign_keys:
        event.listen(engine, "connect", _enforce_foreign_keys)
    if settings.savepoint_workaround:
        make_savepoints_work(engine)
    return engine


def _enforce_foreign_keys(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
