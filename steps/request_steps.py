"""Web requests served by a real application, and the threads that serve them."""

import gc

import pytest
from flask import Flask
from pytest_bdd import given, parsers, then, when
from sqlalchemy.engine import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from support.apps.flask_hr import create_hr_app
from support.apps.load import update_then_read_pairs
from support.apps.servers import RunningServer, ServerRegistry
from support.outcome import Outcome
from support.parameter_types import SERVER_SETTING, YES_NO, typed
from support.sessions import ScenarioSessions, SessionsThatServed
from support.sql_log import SqlLog
from support.threads import IdleServerThreads, on_a_new_thread
from support.warnings_log import WarningsLog, issued_by_the_when

POOL_WAIT = 0.2  # seconds a request waits for a pooled connection (a never-removed session returns none)


@given(typed("a Flask application whose scoped session is {removed:SessionLifetime}"), target_fixture="hr_app")
def _(sessions: ScenarioSessions, removed: bool):
    return _hr_app(sessions, removed, sessions.engine())


@given(
    typed("a Flask application whose scoped session is {removed:SessionLifetime}, with a pool of {size:d} connections"),
    target_fixture="hr_app",
)
def _(sessions: ScenarioSessions, removed: bool, size: int):
    return _hr_app(sessions, removed, sessions.engine(pool_size=size, max_overflow=0, pool_timeout=POOL_WAIT))


def _hr_app(sessions: ScenarioSessions, removed: bool, engine: Engine) -> Flask:
    app = create_hr_app(sessions.scoped(engine), engine, remove_at_teardown=removed)
    app.config["PROPAGATE_EXCEPTIONS"] = True  # an error in a request reaches the scenario, not a 500 page
    return app


@given("the application holds on to the employees it has served")
def _(hr_app: Flask):
    """Keeps the served objects referenced; the identity map alone holds them only weakly."""
    hr_app.config["HOLD_SERVED"] = True


@given("the application lets go of the employees it has served")
def _(hr_app: Flask):
    """The default: nothing outside the session references a served employee after its request."""
    assert hr_app.config["HOLD_SERVED"] is False


@given(parsers.parse("employee {employee_id:d} has been served by a request"))
def _(hr_app: Flask, employee_id: int):
    response = hr_app.test_client().get(f"/employees/{employee_id}")
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def server_threads():
    """Threads that stay alive after serving, as a server's thread pool does; released at teardown."""
    threads = IdleServerThreads()
    yield threads
    threads.release()


@given(parsers.parse("{count:d} other server threads have each served a request for employee {employee_id:d}"))
def _(hr_app: Flask, server_threads: IdleServerThreads, count: int, employee_id: int):
    server_threads.serve_then_idle(count, lambda: hr_app.test_client().get(f"/employees/{employee_id}"))


@when(parsers.parse("a later request on the same thread asks for employee {employee_id:d}"))
def _(hr_app: Flask, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: hr_app.test_client().get(f"/employees/{employee_id}"))


@when(parsers.parse("a request for employee {employee_id:d} is served"))
def _(hr_app: Flask, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: hr_app.test_client().get(f"/employees/{employee_id}"))


@pytest.fixture
def paused_garbage_collector():
    """Automatic collection off for the scenario, as it is between two of its runs; back on at teardown."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@given("the garbage collector has been paused, as it is between two of its runs")
def _(paused_garbage_collector):
    assert not gc.isenabled()


@when(parsers.parse("a request for employee {employee_id:d} is served on a thread that then ends"))
def _(hr_app: Flask, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: on_a_new_thread(lambda: hr_app.test_client().get(f"/employees/{employee_id}")))


@given(parsers.parse("a request for employee {employee_id:d} has been served on a thread that has since ended"))
def _(hr_app: Flask, employee_id: int):
    response = on_a_new_thread(lambda: hr_app.test_client().get(f"/employees/{employee_id}"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert hr_app.config["ENGINE"].pool.checkedout() == 1, "the ended thread's connection is not checked out"


@when("the garbage collector runs")
def _(outcome: Outcome):
    outcome.attempt(gc.collect)


@then("the garbage collection issued no warning of any kind")
def _(warnings_log: WarningsLog, sql_log: SqlLog):
    """Any Warning subclass counts; the pool's clean-up of a collected connection runs inside gc.collect()."""
    issued = issued_by_the_when(warnings_log, sql_log.step_kinds)
    assert issued == [], f"the garbage collection warned: {issued}"


@when(parsers.parse("another server thread serves a request for employee {employee_id:d}"))
def _(hr_app: Flask, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: on_a_new_thread(lambda: hr_app.test_client().get(f"/employees/{employee_id}")))


@pytest.fixture
def sessions_that_served(hr_app: Flask) -> SessionsThatServed:
    """The sessions the application's registry handed out from now on, removed ones included."""
    return SessionsThatServed(hr_app.config["SESSION_REGISTRY"].session_factory)


@when(parsers.parse("this thread serves one request for each of employees {first:d} to {last:d}"))
def _(hr_app: Flask, sessions_that_served: SessionsThatServed, outcome: Outcome, first: int, last: int):
    client = hr_app.test_client()
    outcome.attempt(lambda: [client.get(f"/employees/{n}").status_code for n in range(first, last + 1)])


@then(parsers.parse("the response shows the email {email}"))
def _(outcome: Outcome, email: str):
    response = outcome.succeeded()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] == email


@then(parsers.parse("the request fails because the pool of {size:d} connections stayed exhausted"))
def _(outcome: Outcome, size: int):
    error = outcome.claim(PoolTimeout)
    assert f"QueuePool limit of size {size} overflow 0 reached" in str(error)


@then(parsers.parse("the application's pool has {count:d} connections checked out"))
def _(hr_app: Flask, outcome: Outcome, count: int):
    outcome.succeeded()
    assert hr_app.config["ENGINE"].pool.checkedout() == count


@then(parsers.parse("the sessions that served those requests hold {count:d} objects in their identity maps"))
def _(sessions_that_served: SessionsThatServed, outcome: Outcome, count: int):
    """Measured on the sessions themselves, removed ones included, not on whatever the registry hands out now."""
    assert all(status == 200 for status in outcome.succeeded())
    assert sessions_that_served.sessions, "no session served the requests"
    assert sessions_that_served.objects_held() == count


@pytest.fixture
def hr_app():
    raise pytest.UsageError("no application yet: start the scenario with 'Given a Flask application ...'")


# --- real servers over HTTP ------------------------------------------------------------------------


def _configuration(datatable) -> dict[str, bool]:
    """The table's rows, setting | yes or no, as the server's keyword arguments."""
    return {SERVER_SETTING(setting): YES_NO(value) for setting, value in datatable}


@given(
    parsers.parse("the HR application is served over HTTP by gunicorn with --threads {threads:d}:"),
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable, threads: int) -> RunningServer:
    """gunicorn's threaded worker (gthread), one worker process, on a free loopback port."""
    return web_servers.serving("gunicorn", threads, **_configuration(datatable))


@given(
    "the HR application is served over HTTP by Flask's development server, a new thread per request:",
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable) -> RunningServer:
    return web_servers.serving("werkzeug", **_configuration(datatable))


@given(
    "the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:",
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable) -> RunningServer:
    return web_servers.serving("uvicorn", **_configuration(datatable))


@given(parsers.parse("employee {employee_id:d} has been read over HTTP"))
def _(web_server: RunningServer, employee_id: int):
    with web_server.client() as http:
        http.get(f"/employees/{employee_id}").raise_for_status()


@given(parsers.parse("employee {employee_id:d} has been read over HTTP through the async dependency"))
def _(web_server: RunningServer, employee_id: int):
    with web_server.client() as http:
        http.get(f"/async/employees/{employee_id}").raise_for_status()


@given(parsers.parse("the email of employee {employee_id:d} has been updated to {email} over HTTP"))
def _(web_server: RunningServer, employee_id: int, email: str):
    with web_server.client() as http:
        http.put(f"/employees/{employee_id}", json={"email": email}).raise_for_status()


@when(parsers.parse("employee {employee_id:d} is read over HTTP"))
def _(web_server: RunningServer, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: _read_over_http(web_server, f"/employees/{employee_id}"))


@when(parsers.parse("employee {employee_id:d} is read over HTTP through the async dependency"))
def _(web_server: RunningServer, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: _read_over_http(web_server, f"/async/employees/{employee_id}"))


def _read_over_http(web_server: RunningServer, path: str) -> dict:
    with web_server.client() as http:
        return http.get(path).raise_for_status().json()


@when(parsers.parse("{clients:d} clients each update and then read their own employee {rounds:d} times, all at once"))
def _(web_server: RunningServer, outcome: Outcome, clients: int, rounds: int):
    outcome.attempt(lambda: update_then_read_pairs(web_server, list(range(100, 100 + clients)), rounds))


@then(parsers.parse("the HTTP response shows the email {email}"))
def _(outcome: Outcome, email: str):
    assert outcome.succeeded()["email"] == email


@then("the application reports no SQL for that read")
def _(outcome: Outcome):
    """The application lists the statements it sent while serving the request."""
    assert outcome.succeeded()["sql"] == []


@then("the application reports one SELECT for that read")
def _(outcome: Outcome):
    assert outcome.succeeded()["sql"] == ["SELECT"]


@then(parsers.parse("more than half of the {pairs:d} reads were stale"))
def _(outcome: Outcome, pairs: int):
    result = outcome.succeeded()
    assert result.pairs == pairs
    assert result.stale_reads > pairs / 2, f"{result.stale_reads} of {pairs} reads were stale"
    assert result.server_threads_seen > 1, "the reads were not spread over several server threads"


@then(parsers.parse("none of the {pairs:d} reads was stale"))
def _(outcome: Outcome, pairs: int):
    result = outcome.succeeded()
    assert result.pairs == pairs
    assert result.stale_reads == 0, f"{result.stale_reads} of {pairs} reads were stale"
