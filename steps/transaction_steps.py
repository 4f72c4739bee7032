"""Transactions: the test's outer transaction, the session joined to it, savepoints, and what leaks."""

import asyncio

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from support.joining import JoinSetup, join_async, join_sync, recommended_async, recommended_sync
from support.models import ShopOrder
from support.observer import Observer
from support.outcome import Outcome
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog


@pytest.fixture
def flavour() -> str:
    """sync, unless the scenario's module runs its scenarios once per flavour."""
    return "sync"


@pytest.fixture
def event_loop_runner():
    """One event loop for the whole scenario: the AsyncEngine and every coroutine of the scenario run on it."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def async_engine(event_loop_runner, database, sql_log: SqlLog):
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database.async_url)
    with sql_log.watching(engine):
        yield engine
    event_loop_runner.run(engine.dispose())


@pytest.fixture
def join_setup() -> JoinSetup:
    return JoinSetup()


@given("the test has kept its outer transaction as an object")
def _(join_setup: JoinSetup):
    join_setup.style = "kept"


@given("the test has opened its outer transaction with a context manager")
def _(join_setup: JoinSetup):
    """with connection.begin() as transaction: ... yield session ... transaction.rollback()"""
    join_setup.style = "context manager"


@given("the test's connection is already inside a savepoint")
def _(join_setup: JoinSetup):
    join_setup.already_in_savepoint = True


def _joined(request, flavour: str, sessions: ScenarioSessions, setup: JoinSetup):
    if flavour == "async":
        joined = join_async(
            request.getfixturevalue("event_loop_runner"), request.getfixturevalue("async_engine"), setup
        )
    else:
        joined = join_sync(sessions.engine(), setup)
    request.addfinalizer(joined.end)  # the test's teardown runs even when the scenario fails
    return joined


@given(
    parsers.parse("the test has handed the code a session joined with join_transaction_mode {mode}"),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup, mode: str):
    join_setup.mode = mode
    return _joined(request, flavour, sessions, join_setup)


@given("the test has handed the code the recommended session of support.transactional", target_fixture="joined_test")
def _(request, flavour: str, sessions: ScenarioSessions):
    if flavour == "async":
        joined = recommended_async(
            request.getfixturevalue("event_loop_runner"), request.getfixturevalue("async_engine")
        )
    else:
        joined = recommended_sync(sessions.engine())
    request.addfinalizer(joined.end)
    return joined


@given("the test has handed the code a session joined the default way", target_fixture="joined_test")
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup):
    return _joined(request, flavour, sessions, join_setup)


@given(
    parsers.re(
        r"the test has handed the code (?P<kind>a|a 1.4 future) session"
        r" joined with the (?P<recipe>connection-level|session-level) savepoint recipe"
    ),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup, kind: str, recipe: str):
    join_setup.recipe = recipe
    join_setup.future = kind == "a 1.4 future"
    return _joined(request, flavour, sessions, join_setup)


@when(parsers.parse("the code under test {action}"))
def _(joined_test, outcome: Outcome, action: str):
    outcome.attempt(lambda: joined_test.run(action))


@then("the code under test kept working")
def _(outcome: Outcome):
    assert outcome.succeeded() == "done"


@then(parsers.parse('the code under test is refused: "{message}"'))
def _(outcome: Outcome, message: str):
    error = outcome.claim(InvalidRequestError)
    assert message in str(error)


@then(parsers.parse("the transaction control it sent was {control}"))
def _(sql_log: SqlLog, control: str):
    """BEGIN, COMMIT and ROLLBACK of the connection; SAVEPOINT, RELEASE and ROLLBACK TO statements."""
    sent = []
    for entry in sql_log.during("when"):
        words = entry.text.split()
        if entry.is_event:
            sent.append(entry.text)
        elif words[0].upper() in ("SAVEPOINT", "RELEASE"):
            sent.append(words[0].upper())
        elif words[:2] == ["ROLLBACK", "TO"]:
            sent.append("ROLLBACK TO")
    expected = [] if control == "nothing" else [part.strip() for part in control.split(",")]
    assert sent == expected


@then(
    parsers.re(
        r"after the test's outer rollback, another connection finds (?:(?P<clean>the database clean)"
        r"|order (?P<leaked>\d+) leaked|order (?P<changed>\d+) in the state (?P<state>\w+))"
    )
)
def _(joined_test, observer: Observer, clean: str | None, leaked: str | None, changed: str | None, state: str | None):
    """Clean: only order 1, in its state start, as stored before the test began."""
    joined_test.end()
    stored = dict(observer.rows("SELECT id, state FROM shop_orders"))
    if clean:
        assert stored == {1: "start"}, f"left behind: {stored}"
    elif leaked:
        assert int(leaked) in stored, f"expected order {leaked} to have leaked; stored: {stored}"
    else:
        assert stored.get(int(changed)) == state, f"expected order {changed} in the state {state}; stored: {stored}"


@then(
    parsers.re(
        r"another connection (?P<verdict>can|cannot) lock order (?P<order_id>\d+) while the test is still running"
    )
)
def _(observer: Observer, outcome: Outcome, verdict: str, order_id: str):
    outcome.succeeded()
    assert observer.can_lock_shop_order(int(order_id)) is (verdict == "can")


# --- a Session bound to an Engine whose connections arrive inside a transaction ---------------------


@given(
    "the application's engine begins a transaction on every new connection, in an engine_connect hook",
    target_fixture="hooked_engine",
)
def _(sessions: ScenarioSessions):
    engine = sessions.engine()

    @event.listens_for(engine, "engine_connect")
    def begin_on_connect(connection, *args):
        connection.begin()

    return engine


@when(parsers.re(r"a session bound to that engine(?: with join_transaction_mode (?P<mode>\w+))? commits a new order"))
def _(hooked_engine, outcome: Outcome, mode: str | None):
    def commit_a_new_order():
        with Session(hooked_engine, **({"join_transaction_mode": mode} if mode else {})) as session:
            session.add(ShopOrder(id=2, state="new"))
            session.commit()
        return "done"

    outcome.attempt(commit_a_new_order)


@then(
    parsers.re(r"another connection finds order (?P<order_id>\d+) (?P<verdict>committed|missing: the commit was lost)")
)
def _(observer: Observer, outcome: Outcome, order_id: str, verdict: str):
    outcome.succeeded()
    stored = dict(observer.rows("SELECT id, state FROM shop_orders"))
    assert (int(order_id) in stored) is (verdict == "committed"), stored
