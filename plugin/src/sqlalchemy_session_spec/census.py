"""Which Sessions are alive in this process, what each still holds, and where and when its transaction began.

SQLAlchemy keeps every Session in a weak registry (``sqlalchemy.orm.session._sessions``, what ``object_session``
reads), so finding the live ones costs nothing until asked. While a ``Census`` listens, it also notes, for each
root transaction a Session begins, the place in the caller's code, the time and the thread: one event per
transaction (not per savepoint), a frame walk of a few microseconds. The leak check, the request-boundary monitor
and the active-session gauge all read the same census.

A request is a context, not a thread: an ASGI server interleaves requests on one event loop and runs sync endpoints
and dependencies in pool threads. While a ``RequestRecord`` is entered (a ``contextvars.ContextVar``, which
Starlette's ``run_in_threadpool`` copies into the worker thread), every Session that begins a root transaction is
noted in it, and held until the record is left, so that its end can be checked even if nothing else refers to it.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import time
import types
import weakref
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import session as orm_session

_SKIPPED_PACKAGES = (
    os.path.dirname(os.path.dirname(os.path.abspath(orm_session.__file__))) + os.sep,  # sqlalchemy/
    os.path.dirname(os.path.abspath(__file__)) + os.sep,  # this package
)
_STANDARD_LIBRARY = os.path.dirname(os.path.abspath(threading.__file__)) + os.sep
_INSTALLED = ("site-packages", "dist-packages")  # under the standard library's folder, yet not of it


@dataclass(frozen=True)
class Holdings:
    """What a Session still holds: each of these outliving a request or a test is a leak."""

    transaction: bool  # a transaction begun and not ended (commit, rollback, close)
    connections: int  # connections its transaction has checked out of the pool
    objects: int  # objects in its identity map, plus pending and deleted ones

    def __bool__(self) -> bool:
        return self.transaction or self.connections > 0 or self.objects > 0

    def __str__(self) -> str:
        parts = []
        if self.transaction:
            parts.append("an open transaction")
        if self.connections:
            parts.append(f"{self.connections} checked-out connection{'s' if self.connections != 1 else ''}")
        if self.objects:
            parts.append(f"{self.objects} object{'s' if self.objects != 1 else ''} in its identity map")
        if not parts:
            return "nothing"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def holdings(session: Session) -> Holdings:
    transaction = session.get_transaction() if session.in_transaction() else None
    connections = 0
    if transaction is not None:
        # bind -> (connection, transaction, should commit, autoclose), the same on 1.4 and 2.x
        connections = len({id(entry[0]) for entry in transaction._connections.values() if not entry[0].closed})
    objects = len(session.identity_map) + len(session.new) + len(session.deleted)
    return Holdings(transaction is not None, connections, objects)


@dataclass(frozen=True)
class Begin:
    """Where, when and on which thread a Session's current (or last) root transaction began."""

    sequence: int  # increases with every begin the census sees: "begun since" compares these
    site: str  # "app.py:12 in read_employee": see caller_site
    monotonic: float  # time.monotonic() at the begin
    thread_id: int
    thread_name: str
    first_monotonic: float  # the session's first begin the census saw: its age


@dataclass
class RequestRecord:
    """One request, entered with ``Census.enter_request``: the Sessions that began a root transaction during it."""

    mark: int  # the census's sequence at the request's start
    begun: list[Session] = field(default_factory=list)  # in order of their begin; held until the record is left

    def sessions(self) -> list[Session]:
        """Each Session begun during the request once (a Session may begin, commit and begin again)."""
        return list({id(session): session for session in self.begun}.values())


_current_request: ContextVar[RequestRecord | None] = ContextVar("sqlalchemy_session_spec_request", default=None)


class Census:
    """Notes where each Session's root transaction began while started; lists the live Sessions at any time."""

    def __init__(self) -> None:
        self._begins: weakref.WeakKeyDictionary[Session, Begin] = weakref.WeakKeyDictionary()
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()
        self.listening = False

    def start(self) -> Census:
        if not self.listening:
            event.listen(Session, "after_transaction_create", self._note_begin)
            self.listening = True
        return self

    def stop(self) -> None:
        if self.listening:
            event.remove(Session, "after_transaction_create", self._note_begin)
            self.listening = False

    def _note_begin(self, session: Session, transaction) -> None:
        if transaction.parent is not None:  # a savepoint or a 1.4 subtransaction: the session began earlier
            return
        request = _current_request.get()
        if request is not None:
            request.begun.append(session)
        thread = threading.current_thread()
        now = time.monotonic()
        with self._lock:
            earlier = self._begins.get(session)
            self._begins[session] = Begin(
                next(self._sequence),
                caller_site(type(session)),
                now,
                thread.ident or 0,
                thread.name,
                earlier.first_monotonic if earlier else now,
            )

    def mark(self) -> int:
        """A point in the census's sequence: ``begun_since(mark)`` lists what began after it."""
        with self._lock:
            return next(self._sequence)

    def enter_request(self) -> tuple[RequestRecord, Token]:
        """A new request in the current context: Sessions begun from here on, in this context, are noted in it."""
        record = RequestRecord(self.mark())
        return record, _current_request.set(record)

    @staticmethod
    def leave_request(token: Token) -> None:
        """The request entered with ``token`` has ended: the context is as it was before it."""
        try:
            _current_request.reset(token)
        except ValueError:  # left in another context than it was entered in (a WSGI body closed elsewhere)
            _current_request.set(None)

    @staticmethod
    def current_request() -> RequestRecord | None:
        return _current_request.get()

    def alive(self) -> list[Session]:
        """Every Session of the process not yet garbage collected, noted by the census or not."""
        return [session for session in list(orm_session._sessions.values()) if isinstance(session, Session)]

    def begin_of(self, session: Session) -> Begin | None:
        return self._begins.get(session)

    def begun_since(self, mark: int, thread_id: int | None = None) -> list[Session]:
        """Sessions whose root transaction began after ``mark`` (on ``thread_id``, when given)."""
        with self._lock:
            noted = list(self._begins.items())
        return [
            session
            for session, begin in noted
            if begin.sequence > mark and (thread_id is None or begin.thread_id == thread_id)
        ]

    def describe(self, session: Session) -> str:
        """One line: which session, begun where and when, on which thread, still holding what."""
        begin = self.begin_of(session)
        name = f"{type(session).__name__} at 0x{id(session):x}"
        if begin is None:
            where = "begun before the census started"
        else:
            age = time.monotonic() - begin.monotonic
            where = f"begun at {begin.site} on thread {begin.thread_name} {age:.2f} s ago"
        return f"{name}, {where}, still holding {holdings(session)}"


def caller_site(session_class: type = Session) -> str:
    """The first frame outside SQLAlchemy, this package, the standard library and the methods of ``session_class``
    and its bases (SQLModel's ``exec``), as ``file:line in function``."""
    methods = _methods_of(session_class)
    frame = sys._getframe(1)
    crossed_into_the_awaiting_code = False
    while frame is not None and (_skipped(frame.f_code.co_filename) or frame.f_code in methods):
        frame = frame.f_back
        if frame is None and not crossed_into_the_awaiting_code:
            frame, crossed_into_the_awaiting_code = _awaiting_frame(), True
    if frame is None:
        return "an unknown place"
    return f"{_short(frame.f_code.co_filename)}:{frame.f_lineno} in {frame.f_code.co_name}"


def _awaiting_frame():
    """Under AsyncSession the Session runs in a greenlet whose stack ends in SQLAlchemy: the frame of the code that
    awaited is where the parent greenlet switched into it (None outside a greenlet)."""
    greenlet = sys.modules.get("greenlet")
    if greenlet is None:
        return None
    parent = greenlet.getcurrent().parent
    return parent.gr_frame if parent is not None else None


@functools.lru_cache(maxsize=256)  # one entry per Session class
def _methods_of(session_class: type) -> frozenset:
    """The code of every method a Session class and its bases define, decorated ones also as written: a library's
    Session subclass wraps SQLAlchemy's methods, and the place a transaction began is the code that called them."""
    codes = set()
    for klass in session_class.__mro__:
        for member in vars(klass).values():
            function = getattr(member, "__func__", member)  # staticmethod, classmethod
            for _ in range(8):  # the method, then what it wraps (functools.wraps); a cycle ends here too
                code = getattr(function, "__code__", None)
                if isinstance(code, types.CodeType):
                    codes.add(code)
                function = getattr(function, "__wrapped__", None)
                if function is None:
                    break
    return frozenset(codes)


@functools.lru_cache(maxsize=4096)  # a process runs code from few files: each path judged once
def _skipped(path: str) -> bool:
    if path.startswith(_SKIPPED_PACKAGES):
        return True
    return path.startswith(_STANDARD_LIBRARY) and not any(part in path for part in _INSTALLED)


@functools.lru_cache(maxsize=4096)  # relpath is most of a begin's cost: once per file
def _short(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith(".." + os.sep) else relative


_process_census: Census | None = None
_process_census_lock = threading.Lock()


def process_census() -> Census:
    """The process's one census, started on first use: the leak check, the monitor and the gauge share it."""
    global _process_census
    with _process_census_lock:
        if _process_census is None:
            _process_census = Census().start()
        return _process_census
