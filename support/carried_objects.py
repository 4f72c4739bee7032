"""Objects carried from one request into the next: the detached employee, and how the next session takes it in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, make_transient, sessionmaker

from support.models import Employee


def carry(maker: sessionmaker, employee_id: int, *, commit: bool) -> Employee:
    """A request loads the employee and ends its session (commit, then close, or close alone); the object is
    detached, its attributes loaded unless the commit expired them."""
    session = maker()
    employee = session.get(Employee, employee_id)
    if commit:
        session.commit()
    session.close()
    assert Session.object_session(employee) is None
    return employee


def _merge(session: Session, carried: Employee) -> Employee:
    return session.merge(carried)


def _merge_without_load(session: Session, carried: Employee) -> Employee:
    return session.merge(carried, load=False)


def _add(session: Session, carried: Employee) -> Employee:
    session.add(carried)
    return carried


def added_as_transient(session: Session, carried: Employee) -> Employee:
    """make_transient(), then add(): the object has no identity any more, the session sees a new one."""
    make_transient(carried)
    session.add(carried)
    return carried


# How the next request's session takes the carried employee in: the phrase, and the object the session then holds.
TAKINGS = {
    "merges": _merge,
    "merges, with load=False,": _merge_without_load,
    "adds": _add,
}


def added_as_transient_with_id(new_id: int) -> Callable[[Session, Employee], Employee]:
    """make_transient(), a new primary key, then add(): the carried values become a new row."""

    def take(session: Session, carried: Employee) -> Employee:
        make_transient(carried)
        carried.id = new_id
        session.add(carried)
        return carried

    return take


@dataclass
class NextRequest:
    """The next request's session and the object it holds once it took the carried employee in."""

    session: Session
    held: Employee | None = None

    def take_in(self, carried: Employee, take: Callable[[Session, Employee], Employee], *, commit: bool) -> str:
        """Take the carried employee in; the email the session's object shows right away (before any commit)."""
        self.held = take(self.session, carried)
        email = self.held.email
        if commit:
            self.session.commit()
        return email


def columns_set(update_statement: str) -> list[str]:
    """The columns an UPDATE's SET clause names, in order."""
    found = re.search(r"\bSET\s+(.*?)\s+WHERE\b", update_statement, re.S | re.I)
    assert found, f"not an UPDATE with SET ... WHERE: {update_statement}"
    return [assignment.split("=")[0].strip() for assignment in found[1].split(",")]
