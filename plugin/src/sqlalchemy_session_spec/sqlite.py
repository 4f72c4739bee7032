"""SQLAlchemy's documented pysqlite (and aiosqlite) recipe that makes SAVEPOINT work on SQLite.

The sqlite3 module begins transactions on its own terms (not before SELECT, and never for SAVEPOINT), so SQLAlchemy's
SQLite dialect docs ("Serializable isolation / Savepoints / Transactional DDL") switch that off and emit BEGIN from
the engine's "begin" event. A connection opened with Python 3.12's ``autocommit=False`` already does it right and is
left alone.
"""

from __future__ import annotations

import weakref

from sqlalchemy import event

RECIPE_DRIVERS = ("pysqlite", "aiosqlite", "pysqlcipher")
_prepared: weakref.WeakSet = weakref.WeakSet()


class SavepointUnsupported(Exception):
    """The engine's driver offers no way to make SAVEPOINT work."""


def _driver_controls_transactions(dbapi_connection) -> bool:
    return getattr(dbapi_connection, "autocommit", None) is False


def _on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    if not _driver_controls_transactions(dbapi_connection):
        dbapi_connection.isolation_level = None  # no implicit BEGIN/COMMIT by the driver


def _on_begin(connection) -> None:
    proxied = connection.connection
    dbapi_connection = getattr(proxied, "dbapi_connection", None) or proxied.connection  # 1.4: .connection
    if not _driver_controls_transactions(dbapi_connection):
        connection.exec_driver_sql("BEGIN")


def make_savepoints_work(sync_engine) -> None:
    """Apply the recipe to a SQLite engine once; other databases are left as they are."""
    if sync_engine.dialect.name != "sqlite" or sync_engine in _prepared:
        return
    if sync_engine.dialect.driver not in RECIPE_DRIVERS:
        raise SavepointUnsupported(
            f"the SQLite driver {sync_engine.dialect.driver} has no SAVEPOINT recipe for rolled-back tests: "
            "use sqlite:/// (pysqlite) or sqlite+aiosqlite:/// in the engine's URL"
        )
    event.listen(sync_engine.pool, "checkout", _on_checkout)
    event.listen(sync_engine, "begin", _on_begin)
    _prepared.add(sync_engine)
