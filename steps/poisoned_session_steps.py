"""A failed flush: the session it poisons, the requests after it, and the fixes (remove, rollback)."""

import contextlib

import httpx
from flask import Flask
from pytest_bdd import given, parsers, then, when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy_session_spec import rolled_back_session

from support.apps.flask_hr import roll_back_when_a_request_fails
from support.apps.servers import RunningServer, ServerRegistry
from support.models import Employee
from support.outcome import Outcome
from support.parameter_types import SERVER_SETTING, YES_NO
from support.poisoned_sessions import Answers, ask_repeatedly, flush_a_duplicate
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog, describe


@given(parsers.parse("a request that stored employee {employee_id:d} a second time has failed with an IntegrityError"))
def _(hr_app: Flask, employee_id: int):
    """The create request has no except clause: the error leaves the request, the session stays as the flush left it."""
    with contextlib.suppress(IntegrityError):
        hr_app.test_client().post("/employees", json={"id": employee_id, "email": "duplicate@corp.example"})
        raise AssertionError(f"storing employee {employee_id} a second time did not fail")


@given("the application rolls back its session at the end of a request that failed")
def _(hr_app: Flask):
    roll_back_when_a_request_fails(hr_app)


@when(parsers.parse("{count:d} later requests on the same thread ask for employee {employee_id:d}"))
def _(hr_app: Flask, outcome: Outcome, count: int, employee_id: int):
    client = hr_app.test_client()
    outcome.attempt(lambda: ask_repeatedly(count, lambda: client.get(f"/employees/{employee_id}")))


@then(parsers.parse('each of the {count:d} requests failed with {error_name}: "{message}"'))
def _(outcome: Outcome, count: int, error_name: str, message: str):
    answers: Answers = outcome.succeeded()
    assert len(answers.errors()) == len(answers.results) == count, f"not every request failed: {answers.results}"
    for error in answers.errors():
        assert type(error).__name__ == error_name, f"a request failed with {type(error).__name__}: {error}"
        assert message in str(error), f"{error_name} without {message!r}: {error}"


@then(parsers.parse("each of the {count:d} requests showed the email {email}"))
def _(outcome: Outcome, count: int, email: str):
    answers: Answers = outcome.succeeded()
    assert answers.errors() == [], f"requests failed: {answers.errors()}"
    assert [response.get_json()["email"] for response in answers.results] == [email] * count


# --- a scoped session, without an application ------------------------------------------------------


@given(parsers.parse("an earlier request on this thread failed to flush a second employee {employee_id:d}"))
def _(registry: scoped_session, employee_id: int):
    flush_a_duplicate(registry(), employee_id)


# --- over HTTP ----------------------------------------------------------------------------------------


@given(
    parsers.parse("the HR application is served over HTTP by gunicorn with --threads {threads:d}, errors as JSON:"),
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable, threads: int) -> RunningServer:
    """As in threaded_servers, and a database error answers 500 with its class and text (HR_ERRORS_AS_JSON)."""
    configuration = {SERVER_SETTING(setting): YES_NO(value) for setting, value in datatable}
    return web_servers.serving("gunicorn", threads, errors_as_json=True, **configuration)


@given(parsers.parse("storing employee {employee_id:d} a second time over HTTP has failed with an IntegrityError"))
def _(web_server: RunningServer, employee_id: int):
    with web_server.client() as http:
        response = http.post("/employees", json={"id": employee_id, "email": "duplicate@corp.example"})
    assert response.status_code == 500, response.text
    assert response.json()["error"] == "IntegrityError", response.text


@then(parsers.parse('the HTTP request failed with {error_name}: "{message}"'))
def _(outcome: Outcome, error_name: str, message: str):
    """The server answered 500, its body naming the error the application raised."""
    response = outcome.claim(httpx.HTTPStatusError).response
    assert response.status_code == 500, response.text
    assert response.json()["error"] == error_name, response.text
    assert message in response.json()["message"], response.text


# --- under the recommended test fixture ------------------------------------------------------------------


@given(
    "the code under test has been handed the recommended session, sqlalchemy_session_spec's rolled_back_session",
    target_fixture="code_session",
)
def _(request, sessions: ScenarioSessions) -> Session:
    """create_savepoint since 2.0, the connection-level savepoint recipe on 1.4; rolled back when the scenario ends."""
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)
    return stack.enter_context(rolled_back_session(sessions.engine()))


@given(parsers.parse("the code under test's flush of a second employee {employee_id:d} has failed"))
def _(code_session: Session, employee_id: int):
    flush_a_duplicate(code_session, employee_id)


@given("the code under test has rolled back")
def _(code_session: Session):
    code_session.rollback()


@when(parsers.parse("the code under test reads employee {employee_id:d}"))
def _(code_session: Session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: code_session.get(Employee, employee_id).email)


@then("the read sent no BEGIN: it ran inside the test's transaction")
def _(code_session: Session, outcome: Outcome, sql_log: SqlLog):
    """The code's rollback went back to a savepoint; the test's outer transaction is still the connection's."""
    outcome.succeeded()
    sent = sql_log.during("when")
    assert [entry for entry in sent if entry.verb == "BEGIN"] == [], describe(sent)
    assert code_session.connection().in_transaction()
