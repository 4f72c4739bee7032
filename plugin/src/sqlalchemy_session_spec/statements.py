"""The statements sent during a block, and whether a value an object shows was read from a row fetched in it.

``with statements_sent(session) as sent:`` records what the Session's engine sends (Engine, Connection, Session,
scoped_session, and their async forms) and which ORM objects were populated from a row meanwhile (the ``load`` and
``refresh`` instance events). "A SELECT was sent" does not make a read fresh: an entity query returns the object
already in the identity map unchanged, and a transaction at REPEATABLE READ reads its first snapshot.
``sent.assert_fresh(employee, "email")`` asks both questions: was the value loaded from a row during the block,
and is it what the database holds now, read through a connection of its own?
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapper, Session, scoped_session
from sqlalchemy.orm.state import InstanceState

TRANSACTION_EVENTS = ("begin", "commit", "rollback")
_TABLES = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)', re.IGNORECASE)
_EVERY_ATTRIBUTE = None  # a load or refresh of the whole object


def classify(text: str) -> tuple[str, tuple[str, ...]]:
    """The verb of a statement (SELECT, INSERT, ..., SAVEPOINT, RELEASE, ROLLBACK TO) and the tables it names after
    FROM, JOIN, INTO or UPDATE, unquoted and in order of appearance."""
    words = text.upper().split(None, 2)[:2]
    verb = "ROLLBACK TO" if words == ["ROLLBACK", "TO"] else (words[0] if words else "")
    tables: list[str] = []
    for found in _TABLES.finditer(text):
        name = found.group(1).replace('"', "")
        if name not in tables:
            tables.append(name)
    return verb, tuple(tables)


@dataclass(frozen=True)
class Statement:
    """One statement sent, or a BEGIN / COMMIT / ROLLBACK of a connection (``is_transaction_event``: the driver
    sends those without a cursor statement)."""

    text: str
    parameters: Any = None
    is_transaction_event: bool = False
    verb: str = field(init=False)
    tables: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        verb, tables = classify(self.text)
        object.__setattr__(self, "verb", verb)
        object.__setattr__(self, "tables", tables)

    @property
    def table(self) -> str:
        """The first table it names, "" for none."""
        return self.tables[0] if self.tables else ""

    def names(self, table: str) -> bool:
        """Whether it names ``table`` (a schema-qualified name matches its bare name too)."""
        return any(name == table or name.rsplit(".", 1)[-1] == table for name in self.tables)

    def __repr__(self) -> str:
        return f"<{_line(self)}>"


@dataclass(frozen=True)
class Freshness:
    """The row check of one attribute of one object: loaded from a row during the block, and equal to the
    database's value now. ``str()`` is one line saying which of the two failed, with the values."""

    described: str  # e.g. Employee(42).email
    value: Any  # what the object shows
    loaded_from_row: bool  # populated from a row fetched during the block (load or refresh event)
    database_value: Any  # read now through a connection of its own

    @property
    def matches_database(self) -> bool:
        return self.value == self.database_value

    @property
    def fresh(self) -> bool:
        return self.loaded_from_row and self.matches_database

    def __bool__(self) -> bool:
        return self.fresh

    def __str__(self) -> str:
        shown = f"{self.described} = {self.value!r}"
        if self.fresh:
            return f"{shown}: loaded from a row during the block, and the database holds the same"
        if not self.loaded_from_row:
            return (
                f"{shown} was not loaded from a row during the block: the object was already in the identity map and "
                f"kept its values (the database holds {self.database_value!r}); reload it (populate_existing, "
                "refresh(), or a new Session)"
            )
        return (
            f"{shown} was loaded from a row during the block, but the database holds {self.database_value!r}: "
            "the row came from an older snapshot (a transaction begun before the change, e.g. at REPEATABLE READ)"
        )


class StatementsSent(Sequence):
    """What was sent while the block ran. As a sequence: the statements (transaction events left out);
    ``everything`` keeps BEGIN / COMMIT / ROLLBACK in order among them."""

    def __init__(self) -> None:
        self.everything: list[Statement] = []
        self._lock = threading.Lock()
        # keyed by InstanceState: a mapped class with __eq__ and no __hash__ (SQLModel's table models,
        # MappedAsDataclass) cannot be a dictionary key, its state always can
        self._loaded: weakref.WeakKeyDictionary[InstanceState, set | None] = weakref.WeakKeyDictionary()
        self._paused = False  # while the row check reads through a connection of its own
        self._listeners = ExitStack()
        self._load_watches = 0  # watches open on this record (the Mapper listeners are shared by all of them)

    # --- recording ----------------------------------------------------------------------------------

    def record(self, text: str, parameters: Any = None, is_transaction_event: bool = False) -> None:
        if not self._paused:
            with self._lock:
                self.everything.append(Statement(text, parameters, is_transaction_event))

    def start(self, *targets: Any) -> StatementsSent:
        """Record what each target sends from now until ``stop()`` (or the end of a ``with`` block around the call)."""
        self._attach(targets, self._listeners)
        return self

    def stop(self) -> None:
        """Every listener removed; what was recorded stays."""
        self._listeners.close()

    def __enter__(self) -> StatementsSent:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @contextmanager
    def watch(self, *targets: Any) -> Iterator[StatementsSent]:
        """Record what these targets send, in this same record, until this block ends (``stop()`` ends it too)."""
        with ExitStack() as listeners:
            self._attach(targets, listeners)
            yield self

    def _attach(self, targets: tuple, listeners: ExitStack) -> None:
        bound = [_listen_target(target) for target in targets]  # a target it cannot watch: refused, none attached
        for target in bound:
            self._listen(listeners, target, "before_cursor_execute", self._on_statement)
            for name in TRANSACTION_EVENTS:
                self._listen(listeners, target, name, self._transaction_recorder(name.upper()))
        self._watch_loads()
        listeners.callback(self._unwatch_loads)

    def _watch_loads(self) -> None:
        """The Mapper-wide load and refresh listeners: one pair per record, however many watches feed it."""
        with self._lock:
            self._load_watches += 1
            if self._load_watches == 1:
                event.listen(Mapper, "load", self._on_load)
                event.listen(Mapper, "refresh", self._on_refresh)

    def _unwatch_loads(self) -> None:
        with self._lock:
            self._load_watches -= 1
            if self._load_watches == 0:
                event.remove(Mapper, "load", self._on_load)
                event.remove(Mapper, "refresh", self._on_refresh)

    @staticmethod
    def _listen(listeners: ExitStack, target: Any, name: str, listener) -> None:
        event.listen(target, name, listener)
        listeners.callback(event.remove, target, name, listener)

    def _on_statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.record(statement, parameters)

    def _transaction_recorder(self, text: str):
        def on_transaction_event(conn, *args) -> None:
            self.record(text, is_transaction_event=True)

        return on_transaction_event

    def _on_load(self, target, context) -> None:
        with self._lock:
            self._loaded[inspect(target)] = _EVERY_ATTRIBUTE

    def _on_refresh(self, target, context, attributes) -> None:
        state = inspect(target)
        with self._lock:
            if attributes is None or self._loaded.get(state, set()) is _EVERY_ATTRIBUTE:
                self._loaded[state] = _EVERY_ATTRIBUTE
            else:
                self._loaded[state] = {*self._loaded.get(state, set()), *attributes}

    # --- reading ------------------------------------------------------------------------------------

    @property
    def statements(self) -> list[Statement]:
        return [entry for entry in self.everything if not entry.is_transaction_event]

    def __len__(self) -> int:
        return len(self.statements)

    def __getitem__(self, index):
        return self.statements[index]

    def of(self, verb: str, table: str | None = None) -> list[Statement]:
        """The statements of one verb (``"UPDATE"``), naming ``table`` if given."""
        return [s for s in self.statements if s.verb == verb.upper() and (table is None or s.names(table))]

    def selects_of(self, table: str) -> list[Statement]:
        return self.of("SELECT", table)

    def __repr__(self) -> str:
        return f"<statements sent: {'; '.join(map(_line, self.everything)) or 'none'}>"

    # --- the row check ------------------------------------------------------------------------------

    def loaded_from_row(self, instance: Any, attribute: str) -> bool:
        """Whether ``instance.attribute`` was populated from a row fetched during the block (a first load, a
        refresh, populate_existing, or an expired attribute loaded again)."""
        state = inspect(instance)
        with self._lock:
            if state not in self._loaded:
                return False
            attributes = self._loaded[state]
        return attributes is _EVERY_ATTRIBUTE or attribute in attributes

    def freshness(self, instance: Any, attribute: str, database: Engine | Connection | None = None) -> Freshness:
        """The row check, ``database`` (default: a new connection of the object's engine, AUTOCOMMIT) giving the
        value held now."""
        value = getattr(instance, attribute)
        loaded = self.loaded_from_row(instance, attribute)
        query = _column_query(instance, attribute)
        self._paused = True
        try:
            if isinstance(database, Connection):
                held = database.execute(query).scalar()
            else:
                engine = database if database is not None else _engine_of(instance)
                with engine.connect() as connection:
                    held = connection.execution_options(isolation_level="AUTOCOMMIT").execute(query).scalar()
        finally:
            self._paused = False
        return Freshness(_described(instance, attribute), value, loaded, held)

    async def freshness_async(self, instance: Any, attribute: str, database: Any = None) -> Freshness:
        """The row check for an object of an AsyncSession: the value held now read through ``database`` (an
        AsyncEngine; default the one of the object's session)."""
        from sqlalchemy.ext.asyncio import AsyncEngine

        value = getattr(instance, attribute)
        loaded = self.loaded_from_row(instance, attribute)
        engine = database if database is not None else AsyncEngine(_engine_of(instance))
        self._paused = True
        try:
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                held = (await autocommit.execute(_column_query(instance, attribute))).scalar()
        finally:
            self._paused = False
        return Freshness(_described(instance, attribute), value, loaded, held)

    def assert_fresh(self, instance: Any, attribute: str, database: Engine | Connection | None = None) -> None:
        """Fails, in one line saying which check failed and the values, unless the attribute was loaded from a row
        during the block and equals what the database holds now."""
        check = self.freshness(instance, attribute, database)
        if not check.fresh:
            raise AssertionError(str(check))

    async def assert_fresh_async(self, instance: Any, attribute: str, database: Any = None) -> None:
        check = await self.freshness_async(instance, attribute, database)
        if not check.fresh:
            raise AssertionError(str(check))


def statements_sent(*targets: Any) -> StatementsSent:
    """``with statements_sent(session) as sent:``: what the targets (Engine, Connection, Session, scoped_session,
    AsyncEngine, AsyncConnection, AsyncSession, async_scoped_session) send until the block ends."""
    return StatementsSent().start(*targets)


@contextmanager
def holding_loaded_objects() -> Iterator[list]:
    """Keeps every ORM object loaded from a row while the block runs (any session, any thread) referenced until the
    block ends, as an application that keeps what it served would. The identity map holds objects only weakly: a
    test of a session that outlives its request must hold them, or even the broken application reads the row again."""
    held: list = []

    def hold(target, context) -> None:
        held.append(target)

    event.listen(Mapper, "load", hold)
    try:
        yield held
    finally:
        event.remove(Mapper, "load", hold)
        held.clear()


def _listen_target(target: Any) -> Engine | Connection:
    """Where the listeners go: an Engine or a Connection (the sync core of async ones). A Session (or a scoped
    registry's current Session) is watched through its bind's engine: what any session of that engine sends during
    the block is recorded."""
    if isinstance(target, scoped_session) or type(target).__name__ == "async_scoped_session":
        target = target()
    target = getattr(target, "sync_session", None) or getattr(target, "sync_connection", None) or target
    target = getattr(target, "sync_engine", target)
    if isinstance(target, Session):
        bind = target.get_bind()
        return bind if isinstance(bind, Connection) else bind.engine
    if isinstance(target, (Engine, Connection)):
        return target
    raise TypeError(
        f"statements_sent() cannot watch {type(target).__name__}: pass an Engine, a Connection, a Session or a "
        "scoped_session (or their async forms)"
    )


def _engine_of(instance: Any) -> Engine:
    state = inspect(instance)
    if state.session is None:
        raise TypeError(f"{_described(instance, '')[:-1]} has no Session: pass database= to read the row through")
    return state.session.get_bind(state.mapper).engine


def _column_query(instance: Any, attribute: str):
    state = inspect(instance)
    mapper = state.mapper
    column = mapper.attrs[attribute].columns[0]
    criteria = [mapper.primary_key[i] == value for i, value in enumerate(state.identity)]
    return select(column).where(*criteria)


def _described(instance: Any, attribute: str) -> str:
    identity = inspect(instance).identity or ()
    return f"{type(instance).__name__}({', '.join(map(repr, identity))}).{attribute}"


def _line(statement: Statement) -> str:
    """``BEGIN``, or ``SELECT employees: SELECT employees.id, ...`` (the text cut at 100 characters)."""
    if statement.is_transaction_event:
        return statement.verb
    text = re.sub(r"\s+", " ", statement.text).strip()
    return f"{statement.verb} {', '.join(statement.tables) or '-'}: {text[:100]}"
