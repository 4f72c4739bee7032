"""Reads of an employee whose statements and loads the take-home plugin records: the evidence the row check needs.

Each read hands back the Employee object itself, not its email: the row check asks about the object (was it
populated from a row during the read?) and reads the email the database holds now through a connection of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy_session_spec import Freshness, StatementsSent, statements_sent

from support.models import Employee

EntityRead = Callable[[Session, int], Employee]


def _by_id(employee_id: int):
    return select(Employee).where(Employee.id == employee_id)


# the reads a feature names, each returning the object the application would show
ENTITY_READS: dict[str, EntityRead] = {
    "Session.get()": lambda session, employee_id: session.get(Employee, employee_id),
    "a SELECT of the entity": lambda session, employee_id: session.execute(_by_id(employee_id)).scalar_one(),
    "a SELECT of the entity and populate_existing": lambda session, employee_id: session.execute(
        _by_id(employee_id).execution_options(populate_existing=True)
    ).scalar_one(),
}


@dataclass(frozen=True)
class RecordedRead:
    """The employee a read returned and what the plugin recorded while it ran."""

    employee: Employee
    sent: StatementsSent

    def freshness(self) -> Freshness:
        return self.sent.freshness(self.employee, "email")


def read_recording(registry: scoped_session, employee_id: int, read: EntityRead) -> RecordedRead:
    """``read`` on this thread's session inside ``statements_sent``, as a user's test would write it."""
    with statements_sent(registry) as sent:
        employee = read(registry(), employee_id)
    return RecordedRead(employee, sent)
