"""Employees: the HR records of the request-boundary incident."""

from pytest_bdd import given, parsers, when

from support.observer import Observer
from support.outcome import Outcome


@given(parsers.parse("employee {employee_id:d} is stored with the email {email}"))
def _(observer: Observer, employee_id: int, email: str):
    observer.store_employee(employee_id, email)


@given(parsers.parse("another connection has committed the email {email} for employee {employee_id:d}"))
def _(observer: Observer, employee_id: int, email: str):
    """The write path of the incident: its own connection, its own committed transaction."""
    observer.commit_employee_email(employee_id, email)


@when(parsers.parse("another connection commits the email {email} for employee {employee_id:d}"))
def _(observer: Observer, outcome: Outcome, employee_id: int, email: str):
    outcome.attempt(lambda: observer.commit_employee_email(employee_id, email))


@given(parsers.parse("employees {first:d} to {last:d} are stored"))
def _(observer: Observer, first: int, last: int):
    observer.store_employees(range(first, last + 1))


@given(parsers.parse("order {order_id:d} is stored in the state {state}"))
def _(observer: Observer, order_id: int, state: str):
    observer.store_shop_order(order_id, state)
