"""Engines and sessions for a scenario, each closed or disposed when the scenario ends."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from support.sql_log import SqlLog
from support.sqlite_engines import SqliteSettings, configure, engine_options


class ScenarioSessions:
    """Hands out engines, sessions and scoped-session registries, and closes all of them at teardown.

    Sessions are tracked by weak reference, so tracking never keeps a session alive that the code
    under test has let go of: a thread's scoped session, once its thread ended, waits for the garbage collector
    as it would in production (its connection checked out and idle in transaction until then).
    """

    def __init__(self, url: URL, sql_log: SqlLog, sqlite: SqliteSettings | None = None):
        self.url = url
        self.sql_log = sql_log
        self.sqlite = sqlite or SqliteSettings()  # how its engines connect, on SQLite
        self._cleanup = ExitStack()
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()
        self._registries: list[scoped_session] = []

    def engine(self, **options) -> Engine:
        engine = configure(create_engine(self.url, **engine_options(self.url, options)), self.sqlite)
        shield_first_connect(engine)
        self._cleanup.callback(engine.dispose)
        self._cleanup.enter_context(self.sql_log.watching(engine))
        return engine

    def maker(self, engine: Engine, **options) -> sessionmaker:
        """A sessionmaker whose sessions are closed at teardown."""
        keeper = self

        class TrackedSession(Session):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                keeper._sessions.add(self)

        return sessionmaker(bind=engine, class_=TrackedSession, **options)

    def scoped(self, engine: Engine, **options) -> scoped_session:
        registry = scoped_session(self.maker(engine, **options))
        self._registries.append(registry)
        return registry

    def close(self) -> None:
        for registry in self._registries:
            registry.remove()
        for session in list(self._sessions):
            session.close()
        self._cleanup.close()


@dataclass(frozen=True)
class SessionsOnTwoThreads:
    """What a scoped-session registry handed out: twice on this thread, once on another."""

    first: Session
    second: Session
    other_thread: Session


def ask_twice_and_on_another_thread(registry: scoped_session) -> SessionsOnTwoThreads:
    on_other_thread = []
    worker = threading.Thread(target=lambda: on_other_thread.append(registry()))
    worker.start()
    worker.join()
    return SessionsOnTwoThreads(registry(), registry(), on_other_thread[0])


@dataclass(frozen=True)
class SessionsAroundRemoval:
    """This thread's session before ``registry.remove()``, and the one the registry handed out after it."""

    removed: Session
    after_removal: Session


def remove_and_ask_again(registry: scoped_session) -> SessionsAroundRemoval:
    removed = registry()
    registry.remove()
    return SessionsAroundRemoval(removed, registry())


def _close_in_a_with_block(session: Session) -> None:
    with session:  # what `with Scoped() as session:` does at the end of the block: close(), not remove()
        pass


# How a request can end its session's work without remove(): the registry keeps the same Session after each.
REQUEST_ENDINGS = {
    "committed its transaction": Session.commit,
    "rolled back its transaction": Session.rollback,
    "closed its session, without remove()": Session.close,
    "closed its session in a with block, without remove()": _close_in_a_with_block,
}

# What the same thread can do to its session before reading again.
TRANSACTION_STEPS = {
    "commits": Session.commit,
    "rolls back": Session.rollback,
    "closes its session": Session.close,
    "flushes": Session.flush,  # sends pending changes, but the transaction (and the identity map) stay
}


@dataclass(frozen=True)
class SessionsAroundClosing:
    """This thread's session before it was closed (without remove()), and the one the registry handed out after."""

    closed: Session
    after_closing: Session


def close_and_ask_again(registry: scoped_session, close) -> SessionsAroundClosing:
    closed = registry()
    close(closed)
    return SessionsAroundClosing(closed, registry())


class SessionsThatServed:
    """Every session a sessionmaker's sessions began a transaction in, kept for measuring after the requests.

    Keeping a Session object does not keep its objects: the identity map holds them weakly either way.
    """

    def __init__(self, maker: sessionmaker):
        self.sessions: list[Session] = []
        event.listen(maker, "after_begin", self._began)

    def _began(self, session: Session, transaction, connection) -> None:
        if not any(session is seen for seen in self.sessions):
            self.sessions.append(session)

    def objects_held(self) -> int:
        return sum(len(session.identity_map) for session in self.sessions)


def shield_first_connect(engine: Engine) -> Engine:
    """On PostgreSQL, the engine's one-time dialect checks on its first connection run with no idle timeout: they
    send several statements in one transaction, and a scenario's 300 ms idle_in_transaction_session_timeout ended
    the connection when a loaded machine paused between two of them. The timeout is turned off for that connection
    before the checks and reset to the database's setting after them, each in a transaction of its own, committed."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _run("SET idle_in_transaction_session_timeout = 0"), insert=True, once=True)
        event.listen(engine, "connect", _run("RESET idle_in_transaction_session_timeout"), once=True)  # after them
    return engine


def _run(statement: str) -> Callable[..., None]:
    def run(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.commit()

    return run
