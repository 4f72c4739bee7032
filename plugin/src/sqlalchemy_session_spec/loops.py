"""An async engine outliving its event loops: pooled connections of an ended loop are replaced, not reused.

A session-scoped async engine with function-scoped event loops hands the second test a pooled connection of the
first test's loop ("attached to a different loop"). Raising DisconnectionError at checkout is the pool's documented
way to say "this connection is unusable": the pool replaces it (and every connection older than it).
"""

from __future__ import annotations

import asyncio
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
        raise DisconnectionError("connection of another event loop")


def replace_connections_of_other_loops(async_engine) -> None:
    """Guard an async engine's pool once."""
    pool = async_engine.sync_engine.pool
    if pool not in _guarded:
        event.listen(pool, "checkout", _on_checkout)
        _guarded.add(pool)
