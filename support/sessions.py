"""Engines and sessions for a scenario, each closed or disposed when the scenario ends."""

from __future__ import annotations

import threading
import weakref
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from support.sql_log import SqlLog


class ScenarioSessions:
    """Hands out engines, sessions and scoped-session registries, and closes all of them at teardown.

    Sessions are tracked by weak reference, so tracking never keeps a session alive that the code
    under test has let go of (a thread's scoped session dies with its thread, as it would in production).
    """

    def __init__(self, url: URL, sql_log: SqlLog):
        self.url = url
        self.sql_log = sql_log
        self._cleanup = ExitStack()
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()
        self._registries: list[scoped_session] = []

    def engine(self, **options) -> Engine:
        engine = create_engine(self.url, **options)
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
