"""Bulk UPDATE and DELETE statements run through a session whose identity map holds the employees they touch."""

import re

from pytest_bdd import given, parsers, then, when

from support.bulk_statements import HeldEmployees
from support.models import Employee
from support.outcome import Outcome
from support.parameter_types import typed
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog, describe


@given(
    parsers.parse("a session has loaded employees {first:d} and {second:d}, which the application still references"),
    target_fixture="held_employees",
)
def _(sessions: ScenarioSessions, first: int, second: int) -> HeldEmployees:
    """On 1.4 a future Session, so that update() and delete() run through Session.execute() as in 2.0."""
    session = sessions.maker(sessions.engine(), future=True)()
    return HeldEmployees(session, {n: session.get(Employee, n) for n in (first, second)})


@when(
    typed(
        "the session runs {run:BulkUpdate} setting the email {email} for the employees {criterion:Criterion}, "
        "synchronize_session {strategy:SynchronizeSession}"
    )
)
def _(held_employees: HeldEmployees, outcome: Outcome, run, email: str, criterion, strategy):
    outcome.attempt(lambda: run(held_employees.session, criterion, email, strategy))


@when(
    typed(
        "the session runs {run:BulkDelete} for the employees {criterion:Criterion}, "
        "synchronize_session {strategy:SynchronizeSession}"
    )
)
def _(held_employees: HeldEmployees, outcome: Outcome, run, criterion, strategy):
    outcome.attempt(lambda: run(held_employees.session, criterion, strategy))


@then(parsers.parse("the session's employee {employee_id:d} shows the email {email}, without loading it again"))
def _(held_employees: HeldEmployees, outcome: Outcome, employee_id: int, email: str):
    """Read from the object's loaded state: an expired email would have to be loaded again, and fails here."""
    outcome.succeeded()
    held = held_employees.email_held(employee_id)
    assert held is not None, f"employee {employee_id}'s email is expired: the session would load it again"
    assert held == email


@then(typed("the session {holds:Holds} employee {employee_id:d}"))
def _(held_employees: HeldEmployees, outcome: Outcome, holds: bool, employee_id: int):
    outcome.succeeded()
    assert held_employees.holds(employee_id) is holds


@then(parsers.parse("the session's own transaction reads the email {email} in the row of employee {employee_id:d}"))
def _(held_employees: HeldEmployees, outcome: Outcome, email: str, employee_id: int):
    """The row as the uncommitted statement left it, read with plain SQL on the session's connection."""
    outcome.succeeded()
    assert held_employees.row_email(employee_id) == email


@then(parsers.parse("the session's own transaction finds no row for employee {employee_id:d}"))
def _(held_employees: HeldEmployees, outcome: Outcome, employee_id: int):
    outcome.succeeded()
    assert held_employees.row_email(employee_id) is None


@then(parsers.re(r"the statement sent was one (?P<verb>UPDATE|DELETE), with RETURNING of the ids it matched"))
def _(sql_log: SqlLog, verb: str):
    """'fetch' where the database has RETURNING: the matched primary keys come back with the statement itself, no
    SELECT before it (PostgreSQL writes RETURNING employees.id, SQLite and MariaDB RETURNING id)."""
    sent = [entry for entry in sql_log.during("when") if not entry.is_event]
    assert [entry.verb for entry in sent] == [verb], describe(sent)
    assert re.search(r"RETURNING (employees\.)?id\b", sent[0].text), f"no RETURNING: {describe(sent)}"


@then("the statement sent was one UPDATE, without RETURNING")
def _(sql_log: SqlLog):
    sent = [entry for entry in sql_log.during("when") if not entry.is_event]
    assert [entry.verb for entry in sent] == ["UPDATE"], describe(sent)
    assert "RETURNING" not in sent[0].text, describe(sent)


@then("no statement was sent")
def _(sql_log: SqlLog):
    sent = [entry for entry in sql_log.during("when") if not entry.is_event]
    assert sent == [], describe(sent)
