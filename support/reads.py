"""The ways an application reads an employee through a Session, named as the features name them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from support.models import Employee

Read = Callable[[Session, int], str]


def _get(session: Session, employee_id: int) -> str:
    return session.get(Employee, employee_id).email


def _by_id(employee_id: int):
    return select(Employee).where(Employee.id == employee_id)


# The spellings of "reload the row even though the identity map has the object" (populate_existing).
POPULATE_EXISTING_SPELLINGS: dict[str, Read] = {
    "Session.get()": lambda s, i: s.get(Employee, i).email,  # the baseline: no populate_existing at all
    "Query.populate_existing()": lambda s, i: s.query(Employee).populate_existing().filter_by(id=i).one().email,
    "Query.execution_options(populate_existing=True)": lambda s, i: (
        s.query(Employee).execution_options(populate_existing=True).filter_by(id=i).one().email
    ),
    "Session.get(populate_existing=True)": lambda s, i: s.get(Employee, i, populate_existing=True).email,
    "Session.get(execution_options={populate_existing: True})": lambda s, i: (
        s.get(Employee, i, execution_options={"populate_existing": True}).email
    ),
    "select().execution_options(populate_existing=True)": lambda s, i: (
        s.execute(_by_id(i).execution_options(populate_existing=True)).scalar_one().email
    ),
    "Session.execute(select(), execution_options={populate_existing: True})": lambda s, i: (
        s.execute(_by_id(i), execution_options={"populate_existing": True}).scalar_one().email
    ),
}


def read_by_identity(session: Session, employee_id: int) -> str:
    """Session.get: the identity map first, the database only on a miss (or an expired object)."""
    return _get(session, employee_id)


def read_entity_query(session: Session, employee_id: int) -> str:
    """A SELECT of the entity: always sent, but an object already in the identity map is returned as it is."""
    return session.execute(_by_id(employee_id)).scalar_one().email


# The entity queries: each sends a SELECT, yet an object already in the identity map comes back unchanged.
ENTITY_QUERIES: dict[str, Read] = {
    "a SELECT of the entity": read_entity_query,
    "the legacy Query, filter_by().one(),": lambda s, i: s.query(Employee).filter_by(id=i).one().email,
}


def read_column_query(session: Session, employee_id: int) -> str:
    """A SELECT of a column: always sent, and the value comes from the row, not from an object."""
    return session.execute(select(Employee.email).where(Employee.id == employee_id)).scalar_one()


def read_after_expire_all(session: Session, employee_id: int) -> str:
    session.expire_all()
    return _get(session, employee_id)


def read_after_expire(session: Session, employee_id: int) -> str:
    """Session.expire(obj): only that object's attributes are reloaded, on their next access."""
    session.expire(session.get(Employee, employee_id))
    return _get(session, employee_id)


def read_after_refresh(session: Session, employee_id: int) -> str:
    employee = session.get(Employee, employee_id)
    session.refresh(employee)
    return employee.email
