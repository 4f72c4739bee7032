"""Bulk UPDATE and DELETE through a Session whose identity map holds the employees they touch.

A spelling builds and runs the statement (2.0-style ``update()``/``delete()`` through ``Session.execute()``, or the
legacy ``Query.update()``/``Query.delete()``); a strategy is the ``synchronize_session`` value passed, or none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, inspect, text, update
from sqlalchemy.orm import Session

from support.models import Employee

LEFT_AT_ITS_DEFAULT = object()  # no synchronize_session given: 'evaluate' on 1.4, 'auto' since 2.0

# the synchronize_session values, by the word a feature writes for them
STRATEGIES = {"auto": "auto", "evaluate": "evaluate", "fetch": "fetch", "False": False}
STRATEGIES["left at its default"] = LEFT_AT_ITS_DEFAULT


def _options(strategy) -> dict:
    return {} if strategy is LEFT_AT_ITS_DEFAULT else {"synchronize_session": strategy}


def _update_statement(session: Session, criterion, email: str, strategy) -> None:
    statement = update(Employee).where(criterion).values(email=email)
    session.execute(statement.execution_options(**_options(strategy)))


def _legacy_query_update(session: Session, criterion, email: str, strategy) -> None:
    session.query(Employee).filter(criterion).update({"email": email}, **_options(strategy))


def _delete_statement(session: Session, criterion, strategy) -> None:
    session.execute(delete(Employee).where(criterion).execution_options(**_options(strategy)))


def _legacy_query_delete(session: Session, criterion, strategy) -> None:
    session.query(Employee).filter(criterion).delete(**_options(strategy))


UPDATES: dict[str, Callable] = {
    "update() through Session.execute()": _update_statement,
    "the legacy Query.update()": _legacy_query_update,
}
DELETES: dict[str, Callable] = {
    "delete() through Session.execute()": _delete_statement,
    "the legacy Query.delete()": _legacy_query_delete,
}

# the WHERE clauses a feature names: one Python can evaluate against loaded objects, one it cannot (LIKE)
CRITERIA = {
    "whose email is old@corp.example": Employee.email == "old@corp.example",
    "whose email is like old%": Employee.email.like("old%"),
}


@dataclass(frozen=True)
class HeldEmployees:
    """A session and the employees it loaded, referenced by the application so the identity map keeps them."""

    session: Session
    employees: dict[int, Employee]

    def email_held(self, employee_id: int) -> str | None:
        """The email the session's object holds, read without loading anything; None when it is expired."""
        return inspect(self.employees[employee_id]).dict.get("email")

    def holds(self, employee_id: int) -> bool:
        """Is the object still in the session, as a persistent object the identity map serves?"""
        return self.employees[employee_id] in self.session

    def row_email(self, employee_id: int) -> str | None:
        """The row's email in the session's transaction, past the identity map; None when there is no row."""
        query = text("SELECT email FROM employees WHERE id = :id")
        return self.session.connection().execute(query, {"id": employee_id}).scalar()
