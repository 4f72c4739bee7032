"""The request-boundary monitor: at the end of each request, the sessions that outlived it, reported.

A session outlives its request in two ways: a ``scoped_session`` registry still holds an entry for the request's
thread (or scope) because nobody called ``remove()``, or a Session begun during the request still holds a
transaction (a dependency that never closed it). Each request that leaves one behind is reported in one log line
(logger ``sqlalchemy_session_spec.monitor``, level WARNING), the monitor's counter grows by the number of sessions,
and, in development (``raise_on_leak=True``), ``SessionOutlivedRequest`` is raised.

The check must run after the application's own teardown; the framework adapters (``WSGIMiddleware`` below,
``sqlalchemy_session_spec.flask``, ``sqlalchemy_session_spec.asgi``) wrap the application for that reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import Token
from dataclasses import dataclass

from sqlalchemy.orm import Session, scoped_session

from sqlalchemy_session_spec.census import Census, RequestRecord, process_census

LOGGER = logging.getLogger("sqlalchemy_session_spec.monitor")


class SessionOutlivedRequest(RuntimeError):
    """Raised at the end of a request that left a session behind, when the monitor is asked to raise."""


@dataclass(frozen=True)
class Leak:
    """One session that outlived a request, and why."""

    session: Session
    cause: str  # "scoped_session Session was not removed" or "begun during the request, still in a transaction"
    description: str  # Census.describe(): which session, begun where and when, still holding what


class RequestBoundaryMonitor:
    """Checks each request's end for sessions left behind; a framework adapter calls ``started`` and ``ended``.

    ``registries``: the application's ``scoped_session`` objects, as a list or as ``{name: registry}`` (the name
    appears in the report). Given none, only Sessions begun during a request are checked, and the first request
    that began none says so once.
    """

    def __init__(
        self,
        registries: scoped_session | Iterable[scoped_session] | dict[str, scoped_session] = (),
        *,
        raise_on_leak: bool = False,
        census: Census | None = None,
    ) -> None:
        self.registries = _named_registries(registries)
        self.raise_on_leak = raise_on_leak
        self.census = census or process_census()
        self._leaked = 0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[int], None]] = []
        self._told_nothing_to_watch = False

    @property
    def leaked_sessions(self) -> int:
        """How many sessions outlived their request since the monitor was made (a counter)."""
        return self._leaked

    def on_leak(self, listener: Callable[[int], None]) -> None:
        """``listener(count)`` is called at the end of each request that left ``count`` sessions behind."""
        self._listeners.append(listener)

    def started(self) -> tuple[RequestRecord, Token]:
        """A request begins in the current context."""
        return self.census.enter_request()

    def ended(self, started: tuple[RequestRecord, Token], request: str = "a request") -> list[Leak]:
        """The request ``started`` began has ended, teardown included: reports what it left behind."""
        record, token = started
        self.census.leave_request(token)
        leaks = self.leaks(record)
        began_none = not record.begun
        record.begun.clear()  # the record no longer keeps its Sessions alive
        if leaks:
            self._report(leaks, request)
        elif began_none and not self.registries and self._first_to_tell_nothing_to_watch():
            LOGGER.warning(
                "request-boundary monitor: no scoped_session was given and %s began no Session transaction: it "
                "checks only Sessions that begin one during a request; if the app keeps its sessions in a "
                "scoped_session, pass it to check that it is removed",
                request,
            )
        return leaks

    def _first_to_tell_nothing_to_watch(self) -> bool:
        """True once: the request threads of a server may end their first requests at the same time."""
        with self._lock:
            first, self._told_nothing_to_watch = not self._told_nothing_to_watch, True
        return first

    def leaks(self, record: RequestRecord) -> list[Leak]:
        """The sessions ``record``'s request left behind: registry entries not removed, transactions not ended."""
        leaks: list[Leak] = []
        seen: set[int] = set()
        for name, registry in self.registries:
            if registry.registry.has():
                session = registry.registry()
                session = getattr(session, "sync_session", session)  # an async_scoped_session's AsyncSession
                seen.add(id(session))
                leaks.append(Leak(session, f"scoped_session {name} was not removed", self.census.describe(session)))
        for session in record.sessions():
            if id(session) not in seen and session.in_transaction():
                cause = "begun during the request, still in a transaction"
                leaks.append(Leak(session, cause, self.census.describe(session)))
        return leaks

    def _report(self, leaks: list[Leak], request: str) -> None:
        with self._lock:
            self._leaked += len(leaks)
        message = f"{len(leaks)} session(s) outlived {request}: " + "; ".join(
            f"{leak.cause}: {leak.description}" for leak in leaks
        )
        LOGGER.warning("%s", message)
        for listener in self._listeners:
            listener(len(leaks))
        if self.raise_on_leak:
            raise SessionOutlivedRequest(message)


def _named_registries(registries) -> list[tuple[str, scoped_session]]:
    if isinstance(registries, scoped_session):
        registries = [registries]
    named = list(registries.items()) if isinstance(registries, dict) else [("Session", r) for r in registries]
    if len(named) > 1 and not isinstance(registries, dict):
        named = [(f"#{number}", registry) for number, (_, registry) in enumerate(named, 1)]
    for name, registry in named:
        if not hasattr(getattr(registry, "registry", None), "has"):  # scoped_session, async_scoped_session
            raise TypeError(
                f"request-boundary monitor: the registry {name} is not a scoped_session but {type(registry).__name__}: "
                "pass the scoped_session (or async_scoped_session) object itself: scoped_session(sessionmaker(...))"
            )
    return named


def request_label(method: str, path: str) -> str:
    return f"request {method} {path}"


class WSGIMiddleware:
    """Any WSGI application, monitored: each request checked once the application has returned its response.

    The check runs after the inner call returns, when a Flask application has run its teardown functions (Flask
    pops the request's contexts before ``wsgi_app`` returns), so it never reports a session teardown removes.
    """

    def __init__(self, app, monitor: RequestBoundaryMonitor) -> None:
        self.app = app
        self.monitor = monitor

    def __call__(self, environ: dict, start_response) -> Iterator[bytes]:
        started = self.monitor.started()
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self.monitor.census.leave_request(started[1])
            raise
        try:
            self.monitor.ended(started, request_label(environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", "")))
        except SessionOutlivedRequest:
            if hasattr(response, "close"):
                response.close()
            raise
        return response
