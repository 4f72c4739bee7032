"""Capture of what a scenario sent to PostgreSQL, step by step, through the take-home plugin's recorder.

``sqlalchemy_session_spec.statements_sent`` records the statements (``before_cursor_execute``) and BEGIN, COMMIT
and ROLLBACK of each connection, as events because the driver sends them without a cursor statement; SAVEPOINT,
RELEASE and ROLLBACK TO are ordinary statements, so they appear once, as statements. The log marks where each step
began in that one ordered record. ``classify`` (the plugin's, read as verb and first table) is the one reading of
SQL text that the steps and the applications share.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy_session_spec import statements

TRANSACTION_EVENTS = statements.TRANSACTION_EVENTS
SAVEPOINT_VERBS = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")


@dataclass(frozen=True)
class Classified:
    """The kind of a statement and the table it names: the one classifier of SQL text, for steps and apps alike."""

    verb: str  # its kind: SELECT, INSERT, UPDATE, DELETE, SAVEPOINT, RELEASE, ROLLBACK TO, BEGIN, COMMIT, ...
    table: str  # the first table it names after FROM, JOIN, INTO or UPDATE; "" when it names none


def classify(text: str) -> Classified:
    verb, tables = statements.classify(text)
    return Classified(verb, tables[0] if tables else "")


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
    sent: statements.StatementsSent = field(default_factory=statements.StatementsSent)  # every engine's, in order
    step_kinds: list[str] = field(default_factory=list)  # "given" / "when" / "then" per step index
    step_starts: list[int] = field(default_factory=list)  # where each step's statements begin in ``sent``

    @property
    def current_step(self) -> int:
        return len(self.step_kinds) - 1

    def enter_step(self, kind: str) -> None:
        self.step_starts.append(len(self.sent.everything))
        self.step_kinds.append(kind)

    def record(self, text: str, parameters: object = None, is_event: bool = False) -> None:
        self.sent.record(text, parameters, is_transaction_event=is_event)

    @property
    def entries(self) -> list[LoggedSql]:
        return [
            LoggedSql(bisect.bisect_right(self.step_starts, index) - 1, s.text, s.parameters, s.is_transaction_event)
            for index, s in enumerate(list(self.sent.everything))
        ]

    def during(self, kind: str) -> list[LoggedSql]:
        """What was sent while steps of one kind ran (e.g. the scenario's When)."""
        steps = {index for index, step_kind in enumerate(self.step_kinds) if step_kind == kind}
        return [entry for entry in self.entries if entry.step in steps]

    def for_step(self, index: int) -> list[LoggedSql]:
        return [entry for entry in self.entries if entry.step == index]

    @contextmanager
    def watching(self, engine: Engine) -> Iterator[Engine]:
        """Record everything ``engine`` (or an AsyncEngine) sends until the block ends; the listeners are always
        removed."""
        with self.sent.watch(engine):  # one ordered record for every engine of the scenario
            yield engine


def parameter_values(parameters) -> list:
    """A statement's bound values, named (psycopg, asyncpg) or positional (pysqlite's qmark)."""
    if isinstance(parameters, dict):
        return list(parameters.values())
    return list(parameters or ())


def describe(entries: list[LoggedSql]) -> str:
    """A short, readable listing for assertion messages."""
    if not entries:
        return "(no SQL)"
    return "; ".join(re.sub(r"\s+", " ", entry.text).strip()[:120] for entry in entries)
