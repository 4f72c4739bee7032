"""The async request boundary: async_scoped_session scoped by the current task, and an AsyncSession after commit."""

import asyncio
import time

from pytest_bdd import given, parsers, then, when
from sqlalchemy.ext.asyncio import AsyncSession

from support.apps.async_scoped import APPLICATION_NAME
from support.apps.servers import RunningServer, ServerRegistry
from support.async_requests import (
    CommittedEmployee,
    TaskScopedRequests,
    async_session_factory,
    employee_with_async_attrs,
    load_and_commit,
    task_scoped_requests,
)
from support.models import Employee
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import SERVER_SETTING, YES_NO, typed

TEARDOWN_WAIT = 2  # seconds a request's after-response teardown may take

# --- async_scoped_session(scopefunc=current_task): a session per task ------------------------------------


@given(
    typed("an async application whose async_scoped_session, scoped by current_task, is {removed:SessionLifetime}"),
    target_fixture="async_requests",
)
def _(request, event_loop_runner: asyncio.Runner, async_engine, removed: bool) -> TaskScopedRequests:
    requests = task_scoped_requests(event_loop_runner, async_engine, removed_at_end=removed)
    request.addfinalizer(requests.close)  # before the engine is disposed and the loop closed
    return requests


@given("the async application holds on to the employees it has served")
def _(async_requests: TaskScopedRequests):
    """Keeps the served objects referenced; the identity map alone holds them only weakly."""
    async_requests.held = []


@given(parsers.parse("employee {employee_id:d} has been served by a request on the application's long-lived task"))
def _(async_requests: TaskScopedRequests, employee_id: int):
    async_requests.on_the_long_lived_task(employee_id)


@given(parsers.parse("employee {employee_id:d} has been served by a request on a task of its own"))
def _(async_requests: TaskScopedRequests, employee_id: int):
    async_requests.on_a_task_of_its_own(employee_id)


@when(parsers.parse("the long-lived task serves the next request for employee {employee_id:d}"))
def _(async_requests: TaskScopedRequests, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: async_requests.on_the_long_lived_task(employee_id))


@when(parsers.parse("the next request for employee {employee_id:d} is served on a task of its own"))
def _(async_requests: TaskScopedRequests, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: async_requests.on_a_task_of_its_own(employee_id))


@then(parsers.parse("the registry holds {count:d} sessions, one for each task that was served"))
def _(async_requests: TaskScopedRequests, outcome: Outcome, count: int):
    outcome.succeeded()
    assert async_requests.sessions_held() == count


# --- an AsyncSession after its commit ----------------------------------------------------------------------


@given(
    typed("{kind:AsyncSessionKind} has loaded employee {employee_id:d} and committed"),
    target_fixture="committed_employee",
)
def _(request, event_loop_runner: asyncio.Runner, async_engine, kind: dict, employee_id: int) -> CommittedEmployee:
    session = _closed_at_teardown(request, event_loop_runner, async_session_factory(async_engine, **kind)())
    return load_and_commit(event_loop_runner, session, Employee, employee_id)


@given(
    parsers.parse("an AsyncSession has loaded employee {employee_id:d}, mapped with AsyncAttrs, and committed"),
    target_fixture="committed_employee",
)
def _(request, event_loop_runner: asyncio.Runner, async_engine, employee_id: int) -> CommittedEmployee:
    session = _closed_at_teardown(request, event_loop_runner, async_session_factory(async_engine)())
    return load_and_commit(event_loop_runner, session, employee_with_async_attrs(), employee_id)


def _closed_at_teardown(request, event_loop_runner: asyncio.Runner, session: AsyncSession) -> AsyncSession:
    """Closed on its loop before the loop closes: a later close_all_sessions() must find nothing left to roll back."""
    request.addfinalizer(lambda: event_loop_runner.run(session.close()))
    return session


@when(typed("async code {read:ReadAfterCommit}"))
def _(committed_employee: CommittedEmployee, outcome: Outcome, read):
    outcome.attempt(lambda: read(committed_employee))


@when("a class of the employees table takes the AsyncAttrs mixin")
def _(outcome: Outcome):
    outcome.attempt(employee_with_async_attrs)


@then(parsers.parse('the import failed with ImportError: "{message}"'))
def _(outcome: Outcome, message: str):
    error = outcome.claim(ImportError)
    assert type(error) is ImportError, f"expected ImportError, got {type(error).__name__}: {error}"
    assert message in str(error), f"ImportError without {message!r}: {error}"


# --- over HTTP: uvicorn runs each request on a task of its own -----------------------------------------------


@given(
    "the HR application is served over HTTP by uvicorn, its async endpoints reading through an async_scoped_session:",
    target_fixture="web_server",
)
def _(web_servers: ServerRegistry, database, datatable) -> RunningServer:
    """support.apps.async_scoped: scoped by current_task; the table says whether a dependency removes it."""
    return web_servers.serving("uvicorn", **{SERVER_SETTING(setting): YES_NO(value) for setting, value in datatable})


@when(parsers.parse("{count:d} requests for employee {employee_id:d} are served over HTTP, one after the other"))
def _(web_server: RunningServer, outcome: Outcome, count: int, employee_id: int):
    def read_one_after_the_other() -> list[str]:
        with web_server.client() as http:
            return [http.get(f"/async-scoped/employees/{employee_id}").raise_for_status().json()["email"]
                    for _ in range(count)]  # fmt: skip

    outcome.attempt(read_one_after_the_other)


@then(parsers.parse("each of the {count:d} responses shows the email {email}"))
def _(outcome: Outcome, count: int, email: str):
    assert outcome.succeeded() == [email] * count


@then(parsers.parse("the application's registry holds {count:d} sessions"))
def _(web_server: RunningServer, count: int):
    """FastAPI runs a yield dependency's teardown (the remove()) after the response is sent: the count is read
    again for up to TEARDOWN_WAIT seconds, until the last request's teardown has had its turn."""
    deadline = time.monotonic() + TEARDOWN_WAIT
    with web_server.client() as http:
        while (held := http.get("/_spec/async-scoped/sessions").raise_for_status().json()) != {"sessions": count}:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert held == {"sessions": count}


@then(parsers.parse("another connection sees {count:d} of the application's connections idle in transaction"))
def _(observer: Observer, count: int):
    """pg_stat_activity, read by the observer: the async_scoped_session's connections, named by their engine."""
    states = [state for state, name in observer.sessions_of_the_scenario() if name == APPLICATION_NAME]
    assert states.count("idle in transaction") == count, f"the application's connections: {states}"
