"""Rollback layers: a connection and a transaction that the test owns and rolls back when it ends.

A layer is either a connection's outer transaction (a test's own, or the shared one of a module or session) or a
SAVEPOINT on a shared layer's connection (each test's, while the shared layer lasts). Sessions handed out by a
layer join it (joining.py); the layer closes them and rolls back. The innermost active layer is what the FastAPI
overrides serve to a request.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from sqlalchemy_session_spec.joining import HAS_JOIN_MODES, SavepointRestarter, join_options
from sqlalchemy_session_spec.sqlite import make_savepoints_work

ACTIVE: list = []  # the active layers, innermost last (sync and async alike)


class NoActiveLayer(LookupError):
    """Nothing is rolled back at the moment: no test layer and no shared layer is active."""


def shared_layer(kind: type):
    """The active shared layer of ``kind``, if any."""
    return next((layer for layer in ACTIVE if isinstance(layer, kind) and layer.shared), None)


def innermost(kind: type):
    """The innermost active layer of ``kind`` (Layer or AsyncLayer)."""
    for layer in reversed(ACTIVE):
        if isinstance(layer, kind):
            return layer
    fixture = "async_rollback_connection" if kind is AsyncLayer else "rollback_connection"
    raise NoActiveLayer(
        f"no rollback layer is active for this request: request {fixture} (or a fixture using it) in the test, "
        f"or use {fixture.replace('connection', 'shared_session')} in its module"
    )


class _LayerBase:
    def __init__(self, connection, session_class: type, parent=None) -> None:
        self.connection = connection  # a Connection, or an AsyncConnection: its sync connection runs the layer
        self.transaction = None  # the sync transaction: outer, or a SAVEPOINT in the parent's
        self.session_class = session_class
        self.parent = parent
        self.sessions: list = []  # every session made on this layer, closed when it ends
        self.restarter = None  # SQLAlchemy 1.4's recipe
        self.shared = False  # a module's or session's layer, under every test's own
        self.loop = None  # an async layer's event loop

    def _record(self, session, transaction) -> None:
        if self in ACTIVE and session not in self.sessions:
            self.sessions.append(session)

    def track(self, maker) -> None:
        """Close every session ``maker`` makes when the layer ends (a sessionmaker or its Session class)."""
        event.listen(maker, "after_transaction_create", self._record)

    def untrack(self, maker) -> None:
        with contextlib.suppress(KeyError):  # SQLAlchemy 1.4 may not find a bound method's registration
            event.remove(maker, "after_transaction_create", self._record)

    def _begin(self, connection) -> None:
        """Begin the layer on the sync connection: the outer transaction, or a SAVEPOINT inside the parent's."""
        for session in self.parent_sessions_in_transaction():
            session.commit()  # its SAVEPOINT ends before this layer's begins; what it wrote stays shared
        self.transaction = connection.begin_nested() if self.parent else connection.begin()
        if not HAS_JOIN_MODES:
            self.restarter = SavepointRestarter(connection)
        ACTIVE.append(self)

    def _end(self, connection) -> None:
        """Close the layer's sessions, end what the test began through the parent's, roll back."""
        ACTIVE.remove(self)
        if self.restarter is not None:
            self.restarter.stopped = True
        for session in self.sessions:
            session.close()
        for session in self.parent_sessions_in_transaction():
            session.rollback()  # what the test began through a shared session ends with the test
        for session in self.parent.sessions if self.parent else ():
            session.expire_all()
        if self.transaction.is_active:
            self.transaction.rollback()

    def parent_sessions_in_transaction(self) -> list:
        """Sessions of the shared layer with a transaction open (a SAVEPOINT under this layer's, once it begins)."""
        return [session for session in self.parent.sessions if session.in_transaction()] if self.parent else []


class Layer(_LayerBase):
    """A sync layer: ``connection`` is a Connection."""

    def session(self, **session_options) -> Session:
        session = self.session_class(bind=self.connection, **join_options(), **session_options)
        if self.restarter is not None:
            self.restarter.listen(session)
        self.sessions.append(session)
        return session

    def sessionmaker(self, **session_options) -> sessionmaker:
        maker = sessionmaker(class_=self.session_class, bind=self.connection, **join_options(), **session_options)
        self.track(maker)
        if self.restarter is not None:
            self.restarter.listen(maker)
        return maker

    @contextmanager
    def active(self):
        self._begin(self.connection)
        try:
            yield self
        finally:
            self._end(self.connection)


@contextmanager
def engine_layer(engine, session_class: type = Session):
    """A layer on a new connection of ``engine``: its outer transaction, rolled back at the end."""
    make_savepoints_work(engine)
    with engine.connect() as connection, Layer(connection, session_class).active() as layer:
        yield layer


@contextmanager
def savepoint_layer(parent: Layer):
    """A layer inside ``parent``: a SAVEPOINT on its connection (begun on activation), rolled back to at the end."""
    connection = parent.connection
    with Layer(connection, parent.session_class, parent).active() as layer:
        yield layer


class AsyncLayer(_LayerBase):
    """An async layer: ``connection`` is an AsyncConnection, sessions are AsyncSessions.

    Its sessions run on a Session class of its own (``sync_session_class``), so the layer sees every session made
    on it, also by the project's own async_sessionmaker.
    """

    _sync_class = None

    def sync_session_class(self, base: type | None = None) -> type:
        base = base or getattr(self.session_class, "sync_session_class", None) or Session
        if self._sync_class is None or self._sync_class.__bases__ != (base,):
            self._sync_class = type(base.__name__, (base,), {})
            self.track(self._sync_class)
            if self.restarter is not None:
                self.restarter.listen(self._sync_class)
        return self._sync_class

    def session(self, **session_options):
        options = {**join_options(), "sync_session_class": self.sync_session_class(), **session_options}
        return self.session_class(bind=self.connection, **options)

    def sessionmaker(self, **session_options):
        from sqlalchemy_session_spec.compat import async_sessionmaker

        options = {**join_options(), "sync_session_class": self.sync_session_class(), **session_options}
        return async_sessionmaker(class_=self.session_class, bind=self.connection, **options)

    @asynccontextmanager
    async def active(self):
        await self.connection.run_sync(self._begin)
        try:
            yield self
        finally:
            await self.connection.run_sync(self._end)


@asynccontextmanager
async def async_engine_layer(async_engine, session_class: type | None = None):
    """An async layer on a new connection of ``async_engine``: its outer transaction, rolled back at the end."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from sqlalchemy_session_spec.loops import replace_connections_of_other_loops

    make_savepoints_work(async_engine.sync_engine)
    replace_connections_of_other_loops(async_engine)
    async with async_engine.connect() as connection:
        layer = AsyncLayer(connection, session_class or AsyncSession)
        layer.loop = asyncio.get_running_loop()
        async with layer.active():
            yield layer


@asynccontextmanager
async def async_savepoint_layer(parent: AsyncLayer):
    connection = parent.connection
    layer = AsyncLayer(connection, parent.session_class, parent)
    layer.loop = parent.loop
    async with layer.active():
        yield layer
