"""Web requests served by a real application, and the threads that serve them."""

import pytest
from pytest_bdd import given, parsers, then, when

from support.apps.flask_hr import create_hr_app
from support.outcome import Outcome
from support.sessions import ScenarioSessions


@given("a Flask application whose scoped session is never removed", target_fixture="hr_app")
def _(sessions: ScenarioSessions):
    engine = sessions.engine()
    return create_hr_app(sessions.scoped(engine), engine, remove_at_teardown=False)


@given("a Flask application whose scoped session is removed at the end of each request", target_fixture="hr_app")
def _(sessions: ScenarioSessions):
    engine = sessions.engine()
    return create_hr_app(sessions.scoped(engine), engine, remove_at_teardown=True)


@given("the application holds on to the employees it has served")
def _(hr_app):
    """Keeps the served objects referenced; the identity map alone holds them only weakly."""
    hr_app.config["HOLD_SERVED"] = True


@given(parsers.parse("employee {employee_id:d} has been served by a request"))
def _(hr_app, employee_id: int):
    response = hr_app.test_client().get(f"/employees/{employee_id}")
    assert response.status_code == 200, response.get_data(as_text=True)


@when(parsers.parse("a later request on the same thread asks for employee {employee_id:d}"))
def _(hr_app, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: hr_app.test_client().get(f"/employees/{employee_id}"))


@then(parsers.parse("the response shows the email {email}"))
def _(outcome: Outcome, email: str):
    response = outcome.succeeded()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] == email


@pytest.fixture
def hr_app():
    raise pytest.UsageError("no application yet: start the scenario with 'Given a Flask application ...'")
