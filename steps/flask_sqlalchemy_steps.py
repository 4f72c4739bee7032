"""The HR application on Flask-SQLAlchemy, over HTTP: db.session, and employees kept for later requests."""

from dataclasses import dataclass

from pytest_bdd import given, parsers, then, when

from support.apps.flask_sqlalchemy_hr import InProcessApp, in_process
from support.apps.servers import RunningServer, ServerRegistry
from support.outcome import Outcome
from support.parameter_types import SERVER_SETTING, YES_NO, typed


@dataclass(frozen=True)
class KeptEmployee:
    """An employee a request kept for later requests, and where (a module global, by key, or flask.g)."""

    employee_id: int
    place: str

    @property
    def path(self) -> str:
        return f"/kept/{self.place}/employees/{self.employee_id}"


@given(
    parsers.parse("the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads {threads:d}:"),
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable, threads: int) -> RunningServer:
    """support.apps.flask_sqlalchemy_hr under gunicorn's threaded worker (gthread), one worker process."""
    configuration = {SERVER_SETTING(setting): YES_NO(value) for setting, value in datatable}
    return web_servers.serving("gunicorn-flask-sqlalchemy", threads, **configuration)


@given(typed("a request has kept employee {employee_id:d} in {place:KeepingPlace}"), target_fixture="kept_employee")
def _(web_server: RunningServer, employee_id: int, place: str) -> KeptEmployee:
    kept = KeptEmployee(employee_id, place)
    with web_server.client() as http:
        assert http.get(kept.path).raise_for_status().json()["found_kept"] is False, "kept before the scenario began"
    return kept


@when("a later request reads the employee the application kept")
def _(web_server: RunningServer, kept_employee: KeptEmployee, outcome: Outcome):
    def read() -> dict:
        with web_server.client() as http:
            return http.get(kept_employee.path).raise_for_status().json()

    outcome.attempt(read)


@then(typed("the application {found:WasOrWasNot} able to take the employee from where it kept it"))
def _(outcome: Outcome, found: bool):
    """The application reports whether the earlier request's keeping reached this request."""
    assert outcome.succeeded()["found_kept"] is found


@given(
    typed(
        "the HR application on Flask-SQLAlchemy is driven in process through httpx's WSGI transport, "
        "{pushed:AppContextUse}:"
    ),
    target_fixture="web_server",
)
def _(request, database, datatable, pushed: bool) -> InProcessApp:
    """The application called in the scenario's own thread, as a test client calls it; with a pushed application
    context every request finds that context already there (Flask pushes one only when none is)."""
    configuration = {SERVER_SETTING(setting): YES_NO(value) for setting, value in datatable}
    app = in_process(database.url, **configuration)
    request.addfinalizer(app.close)
    if pushed:
        app.push_application_context()
    return app
