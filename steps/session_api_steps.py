"""The Session's own API: arguments, methods and output that changed in SQLAlchemy 2.1."""

from pytest_bdd import given, parsers, then, when
from sqlalchemy.orm import Session

from support import reads, session_api
from support.observer import Observer
from support.outcome import Outcome
from support.session_api import LoadedEmployee
from support.sessions import ScenarioSessions


@when("a session is made with the execution options populate_existing True")
def _(sessions: ScenarioSessions, outcome: Outcome):
    outcome.attempt(lambda: Session(sessions.engine(), execution_options={"populate_existing": True}) and "made")


@given(
    parsers.parse(
        "a session made with the execution options populate_existing True has loaded employee {employee_id:d}"
    ),
    target_fixture="loaded_employee",
)
def _(sessions: ScenarioSessions, employee_id: int) -> LoadedEmployee:
    session = sessions.maker(sessions.engine(), execution_options={"populate_existing": True})()
    return session_api.load_employee(session, employee_id)


@given(parsers.parse("a session has loaded employee {employee_id:d}"), target_fixture="loaded_employee")
def _(sessions: ScenarioSessions, employee_id: int) -> LoadedEmployee:
    return session_api.load_employee(sessions.maker(sessions.engine())(), employee_id)


@when(parsers.parse("that session reads employee {employee_id:d} with Session.get()"))
def _(loaded_employee: LoadedEmployee, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_by_identity(loaded_employee.session, employee_id))


@when(parsers.parse("that session runs a SELECT of the entity for employee {employee_id:d}"))
def _(loaded_employee: LoadedEmployee, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_entity_query(loaded_employee.session, employee_id))


@when(parsers.parse("a new session reads employee {employee_id:d} with Session.get()"))
def _(sessions: ScenarioSessions, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_by_identity(sessions.maker(sessions.engine())(), employee_id))


@when("the application calls Session.close_all()")
def _(outcome: Outcome):
    outcome.attempt(session_api.close_all_the_old_way)


@when("the application calls close_all_sessions()")
def _(outcome: Outcome):
    outcome.attempt(session_api.close_all_the_new_way)


@then("that session was closed: its identity map is empty and the employee is detached")
def _(loaded_employee: LoadedEmployee, outcome: Outcome):
    assert outcome.succeeded() == "closed"
    assert len(loaded_employee.session.identity_map) == 0
    assert loaded_employee.employee not in loaded_employee.session


@when(parsers.parse("a session merges orders {first:d} and {second:d} with Session.merge_all() and commits"))
def _(sessions: ScenarioSessions, outcome: Outcome, first: int, second: int):
    outcome.attempt(lambda: session_api.merge_orders(sessions.engine(), [first, second]))


@when(parsers.parse("a session deletes orders {first:d} and {second:d} with Session.delete_all() and commits"))
def _(sessions: ScenarioSessions, outcome: Outcome, first: int, second: int):
    outcome.attempt(lambda: session_api.delete_orders(sessions.engine(), [first, second]))


@then(parsers.parse("another connection finds orders {first:d} and {second:d} in the state {state}, and no other"))
def _(observer: Observer, outcome: Outcome, first: int, second: int, state: str):
    assert outcome.succeeded() == "committed"
    assert observer.shop_orders() == {first: state, second: state}


@then("another connection finds no order")
def _(observer: Observer, outcome: Outcome):
    assert outcome.succeeded() == "committed"
    assert observer.shop_orders() == {}


@when(parsers.parse("a session flushes only a new order {order_id:d}, with Session.flush(objects=[order])"))
def _(sessions: ScenarioSessions, outcome: Outcome, order_id: int):
    outcome.attempt(lambda: session_api.flush_only(sessions.engine(), order_id))


@when(parsers.parse('the application names its database with the URL "{url}"'))
def _(outcome: Outcome, url: str):
    outcome.attempt(lambda: session_api.driver_of(url))


@then(parsers.parse("SQLAlchemy chose the driver {driver}"))
def _(outcome: Outcome, driver: str):
    assert outcome.succeeded() == driver


@when("a Python without greenlet imports sqlalchemy.ext.asyncio and connects an AsyncEngine")
def _(database, outcome: Outcome):
    async_url = database.async_url.render_as_string(hide_password=False)
    outcome.attempt(lambda: session_api.use_asyncio_without_greenlet(async_url))


@when(parsers.parse("an AsyncSession on asyncpg flushes a second employee {employee_id:d}"))
def _(event_loop_runner, async_engine, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: event_loop_runner.run(session_api.flush_duplicate_employee(async_engine, employee_id)))
