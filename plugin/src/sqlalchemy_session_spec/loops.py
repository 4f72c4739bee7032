"""An async engine outliving its event loops: pooled connections of an ended loop are replaced, not reused.

A session-scoped async engine with function-scoped event loops hands the second test a pooled connection of the
first test's loop ("attached to a different loop"). Raising DisconnectionError at checkout is the pool's documented
way to say "this connection is unusable": the pool replaces it (and every connection older than it).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

LOOP_KEY = "sqlalchemy_session_spec.loop"
_guarded: weakref.WeakSet = weakref.WeakSet()


def _on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:  # a sync use of the pool, e.g. engine.sync_engine outside any loop
        return
    made_on = connection_record.info.setdefault(LOOP_KEY, weakref.ref(running))()
    if made_on is not running:
        connection_record.info.pop(LOOP_KEY)
        _close_quietly(connection_proxy.driver_connection)
        raise DisconnectionError("connection of another event loop")


def _close_quietly(driver_connection) -> None:
    """Close a connection of another (perhaps ended) loop without waiting, so the pool need not close it there."""
    terminate = getattr(driver_connection, "terminate", None)  # asyncpg
    if callable(terminate):
        with contextlib.suppress(RuntimeError):  # its loop is closed: the socket goes with the garbage
            terminate()


def replace_connections_of_other_loops(async_engine) -> None:
    """Guard an async engine's pool once."""
    pool = async_engine.sync_engine.pool
    if pool not in _guarded:
        event.listen(pool, "checkout", _on_checkout)
        _guarded.add(pool)
