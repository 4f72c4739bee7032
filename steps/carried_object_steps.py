"""Objects carried across requests: the detached employee a request leaves behind, merge(), add(),
make_transient() and expunge()."""

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy.orm import Session

from support.carried_objects import (
    NextRequest,
    added_as_transient,
    added_as_transient_with_id,
    carry,
    columns_set,
)
from support.models import Employee
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.session_endings import EndingSession
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog, describe


@given(
    typed(
        "a request has loaded employee {employee_id:d} and {ended:CarriedEnding}, and the application kept the employee"
    ),
    target_fixture="carried_employee",
)
def _(sessions: ScenarioSessions, employee_id: int, ended: bool) -> Employee:
    """The object outlives its session: detached, its attributes loaded unless the request's commit expired them."""
    return carry(sessions.maker(sessions.engine()), employee_id, commit=ended)


@given(parsers.parse("the application has renamed the carried employee to {name}"))
def _(carried_employee: Employee, name: str):
    carried_employee.name = name


@pytest.fixture
def next_request(sessions: ScenarioSessions) -> NextRequest:
    """The next request's own session, made for it."""
    return NextRequest(sessions.maker(sessions.engine())())


@when(typed("the next request's session {take:Taking} the carried employee {employee_id:d}"))
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome, take, employee_id: int):
    outcome.attempt(lambda: next_request.take_in(carried_employee, take, commit=False))


@when(typed("the next request's session {take:Taking} the carried employee {employee_id:d}, then commits"))
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome, take, employee_id: int):
    outcome.attempt(lambda: next_request.take_in(carried_employee, take, commit=True))


@when(
    parsers.parse("the next request's session adds the carried employee {employee_id:d} made transient, then commits")
)
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: next_request.take_in(carried_employee, added_as_transient, commit=True))


@when(
    parsers.parse(
        "the next request's session adds the carried employee {employee_id:d} made transient with the id {new_id:d}, "
        "then commits"
    )
)
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome, employee_id: int, new_id: int):
    outcome.attempt(lambda: next_request.take_in(carried_employee, added_as_transient_with_id(new_id), commit=True))


@then("the next request's session holds a copy of the carried employee, not the carried object itself")
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome):
    outcome.succeeded()
    assert next_request.held is not carried_employee
    assert next_request.held in next_request.session
    assert Session.object_session(carried_employee) is None, "the carried employee is no longer detached"


@then("the next request's session holds the carried object itself")
def _(next_request: NextRequest, carried_employee: Employee, outcome: Outcome):
    outcome.succeeded()
    assert next_request.held is carried_employee
    assert Session.object_session(carried_employee) is next_request.session


@then(parsers.parse("the UPDATE set {columns}"))
def _(sql_log: SqlLog, columns: str):
    """The columns of the When's one UPDATE, as its SET clause names them, in order."""
    updates = [entry for entry in sql_log.during("when") if entry.verb == "UPDATE"]
    assert len(updates) == 1, f"expected one UPDATE, the When sent: {describe(sql_log.during('when'))}"
    assert columns_set(updates[0].text) == columns.split(", "), updates[0].text


@then(parsers.parse("the database holds the email {email} for employee {employee_id:d}"))
def _(observer: Observer, email: str, employee_id: int):
    """Read by another connection, after the When: what was committed."""
    assert observer.employee_email(employee_id) == email


@then(parsers.parse("the database holds the name {name} for employee {employee_id:d}"))
def _(observer: Observer, name: str, employee_id: int):
    assert observer.scalar("SELECT name FROM employees WHERE id = :id", id=employee_id) == name


# --- expunge(): out of the session that holds the object ------------------------------------------------


@given(parsers.parse("the request has expunged employee {employee_id:d} from its session"))
def _(ending_session: EndingSession, employee_id: int):
    assert ending_session.employee.id == employee_id
    ending_session.session.expunge(ending_session.employee)


@when(parsers.parse("the same session reads employee {employee_id:d} again"))
def _(ending_session: EndingSession, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: ending_session.session.get(Employee, employee_id).email)


@when(parsers.parse("the employee read is renamed to {name} and the session commits"))
def _(ending_session: EndingSession, outcome: Outcome, name: str):
    def rename_then_commit():
        ending_session.employee.name = name
        ending_session.session.commit()

    outcome.attempt(rename_then_commit)


@then(typed("the {operation:Operation} sent no UPDATE"))
def _(sql_log: SqlLog, outcome: Outcome):
    outcome.succeeded()
    sent = sql_log.during("when")
    assert [entry for entry in sent if entry.verb == "UPDATE"] == [], describe(sent)
