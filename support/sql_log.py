"""Capture of what a scenario sent to PostgreSQL, step by step.

Statements come from ``before_cursor_execute``; BEGIN, COMMIT and ROLLBACK of the connection are
recorded as events because the driver sends them without a cursor statement. SAVEPOINT, RELEASE and
ROLLBACK TO are ordinary statements, so they appear once, as statements. ``classify`` is the one reading of
SQL text (its verb and the table it names) that the steps and the applications share.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine

TRANSACTION_EVENTS = ("begin", "commit", "rollback")
SAVEPOINT_VERBS = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Classified:
    """The kind of a statement and the table it names: the one classifier of SQL text, for steps and apps alike."""

    verb: str  # its kind: SELECT, INSERT, UPDATE, DELETE, SAVEPOINT, RELEASE, ROLLBACK TO, BEGIN, COMMIT, ...
    table: str  # the first table it names after FROM, INTO or UPDATE; "" when it names none


def classify(text: str) -> Classified:
    words = text.upper().split(None, 2)[:2]
    verb = "ROLLBACK TO" if words == ["ROLLBACK", "TO"] else (words[0] if words else "")
    found = _TABLE.search(text)
    return Classified(verb, found.group(1) if found else "")


@dataclass(frozen=True)
class LoggedSql:
    step: int  # index of the scenario step that was running, -1 before the first step
    text: str  # the statement, or BEGIN / COMMIT / ROLLBACK for a transaction event
    parameters: object = None
    is_event: bool = False

    @property
    def verb(self) -> str:
        return classify(self.text).verb

    @property
    def table(self) -> str:
        return classify(self.text).table

    @property
    def controls_transaction(self) -> bool:
        """BEGIN, COMMIT and ROLLBACK of the connection, and the SAVEPOINT, RELEASE and ROLLBACK TO statements."""
        return self.is_event or self.verb in SAVEPOINT_VERBS


@dataclass
class SqlLog:
    entries: list[LoggedSql] = field(default_factory=list)
    step_kinds: list[str] = field(default_factory=list)  # "given" / "when" / "then" per step index
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def current_step(self) -> int:
        return len(self.step_kinds) - 1

    def enter_step(self, kind: str) -> None:
        self.step_kinds.append(kind)

    def record(self, text: str, parameters: object = None, is_event: bool = False) -> None:
        with self._lock:
            self.entries.append(LoggedSql(self.current_step, text, parameters, is_event))

    def during(self, kind: str) -> list[LoggedSql]:
        """What was sent while steps of one kind ran (e.g. the scenario's When)."""
        steps = {index for index, step_kind in enumerate(self.step_kinds) if step_kind == kind}
        return [entry for entry in self.entries if entry.step in steps]

    def for_step(self, index: int) -> list[LoggedSql]:
        return [entry for entry in self.entries if entry.step == index]

    @contextmanager
    def watching(self, engine: Engine) -> Iterator[Engine]:
        """Record everything ``engine`` sends until the block ends; the listeners are always removed."""
        sync_engine = getattr(engine, "sync_engine", engine)  # an AsyncEngine records through its sync core

        def on_statement(conn, cursor, statement, parameters, context, executemany):
            self.record(statement, parameters)

        listeners = [("before_cursor_execute", on_statement)]
        for name in TRANSACTION_EVENTS:
            listeners.append((name, self._event_recorder(name.upper())))
        for name, listener in listeners:
            event.listen(sync_engine, name, listener)
        try:
            yield engine
        finally:
            for name, listener in listeners:
                event.remove(sync_engine, name, listener)

    def _event_recorder(self, text: str):
        def on_event(conn, *args):
            self.record(text, is_event=True)

        return on_event


def describe(entries: list[LoggedSql]) -> str:
    """A short, readable listing for assertion messages."""
    if not entries:
        return "(no SQL)"
    return "; ".join(re.sub(r"\s+", " ", entry.text).strip()[:120] for entry in entries)
