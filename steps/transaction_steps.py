"""Transactions: the test's outer transaction, the session joined to it, savepoints, and what leaks."""

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from support.joining import (
    JoinedTest,
    JoinSetup,
    join_async,
    join_sync,
    made_session,
    recommended_async,
    recommended_sync,
)
from support.models import ShopOrder
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog
from support.warnings_log import is_sqlalchemy_warning


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


@given("the test's teardown rolls back its outer transaction without checking that it is still active")
def _(join_setup: JoinSetup):
    """outer.rollback() where the fixtures of this specification say: if outer.is_active: outer.rollback()"""
    join_setup.checks_outer_is_active = False


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
    typed("the test has handed the code a session joined with join_transaction_mode {mode:JoinMode}"),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup, mode: str):
    join_setup.mode = mode
    return _joined(request, flavour, sessions, join_setup)


@given("the test has handed the code the recommended session of sqlalchemy_session_spec", target_fixture="joined_test")
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
    typed("the test has handed the code {future:SessionKind} session joined with the {recipe:Recipe} savepoint recipe"),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup, future: bool, recipe: str):
    join_setup.recipe = recipe
    join_setup.future = future
    return _joined(request, flavour, sessions, join_setup)


@given(
    typed(
        "the code under test has {future:SessionKind} session bound to the engine, with no test transaction around it"
    ),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, join_setup: JoinSetup, future: bool):
    join_setup.style = "no test transaction"
    join_setup.future = future
    return _joined(request, flavour, sessions, join_setup)


@when(parsers.parse("a session is made with join_transaction_mode {mode}"))
def _(request, flavour: str, sessions: ScenarioSessions, outcome: Outcome, mode: str):
    """Session(engine, join_transaction_mode=mode), or AsyncSession(async_engine, ...) in the async flavour."""
    if flavour == "async":
        outcome.attempt(lambda: made_session(request.getfixturevalue("async_engine"), mode, is_async=True))
    else:
        outcome.attempt(lambda: made_session(sessions.engine(), mode))


@then("the session was made")
def _(outcome: Outcome):
    assert outcome.succeeded() == "made"


@when(typed("the code under test {action:CodeAction}"))
def _(joined_test: JoinedTest, outcome: Outcome, action: list[tuple]):
    outcome.attempt(lambda: joined_test.run(action))


@then("the code under test kept working")
def _(outcome: Outcome):
    assert outcome.succeeded() == "done"


@then(parsers.parse('the code under test is refused: "{message}"'))
def _(outcome: Outcome, message: str):
    error = outcome.claim(InvalidRequestError)
    assert message in str(error)


@then(typed("the transaction control it sent was {control:TransactionControl}"))
def _(sql_log: SqlLog, control: list[str]):
    """BEGIN, COMMIT and ROLLBACK of the connection; SAVEPOINT, RELEASE and ROLLBACK TO statements."""
    assert [entry.verb for entry in sql_log.during("when") if entry.controls_transaction] == control


@then("after the test's outer rollback, another connection finds the database clean")
def _(joined_test: JoinedTest, observer: Observer):
    """Clean: only order 1, in its state start, as stored before the test began."""
    joined_test.end()
    assert observer.shop_orders() == {1: "start"}, f"left behind: {observer.shop_orders()}"


@then(
    parsers.re(
        r"after the test's outer rollback, another connection finds orders? (?P<order_ids>\d+(?: and \d+)*) leaked"
    ),
    converters={"order_ids": lambda text: [int(number) for number in text.split(" and ")]},
)
def _(joined_test: JoinedTest, observer: Observer, order_ids: list[int]):
    """Exactly the named orders leaked, as the code under test made them; order 1 is as stored before the test."""
    joined_test.end()
    expected = {1: "start", **dict.fromkeys(order_ids, "new")}
    assert observer.shop_orders() == expected, f"expected only orders {order_ids} to leak: {observer.shop_orders()}"


@then(
    parsers.parse("after the test's outer rollback, another connection finds order {order_id:d} in the state {state}")
)
def _(joined_test: JoinedTest, observer: Observer, order_id: int, state: str):
    joined_test.end()
    stored = observer.shop_orders()
    assert stored.get(order_id) == state, f"expected order {order_id} in the state {state}; stored: {stored}"


@then(parsers.parse('the test\'s outer rollback was warned "{message}"'))
def _(joined_test: JoinedTest, message: str):
    joined_test.end()
    warned = [str(warning.message) for warning in joined_test.teardown_warnings]
    assert any(message in text for text in warned), f"no warning at the outer rollback contains {message!r}: {warned}"


@then("the test's outer rollback issued no SQLAlchemy warning")
def _(joined_test: JoinedTest):
    """Any warning SQLAlchemy defines counts, SAWarning and the deprecation warnings alike, subclasses included."""
    joined_test.end()
    warned = [warning for warning in joined_test.teardown_warnings if is_sqlalchemy_warning(warning.category)]
    assert warned == [], f"the outer rollback was warned: {[str(warning.message) for warning in warned]}"


@then(typed("the code under test's session {still:IsOrIsNot} still in a transaction"))
def _(joined_test: JoinedTest, outcome: Outcome, still: bool):
    outcome.succeeded()
    assert joined_test.in_transaction() is still


@then(typed("another connection {can_lock:CanOrCannot} lock order {order_id:d} while the test is still running"))
def _(observer: Observer, outcome: Outcome, can_lock: bool, order_id: int):
    outcome.succeeded()
    assert observer.can_lock_shop_order(order_id) is can_lock


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


@when("a session bound to that engine commits a new order")
def _(hooked_engine: Engine, outcome: Outcome):
    outcome.attempt(lambda: _commit_a_new_order(hooked_engine))


@when(typed("a session bound to that engine with join_transaction_mode {mode:JoinMode} commits a new order"))
def _(hooked_engine: Engine, outcome: Outcome, mode: str):
    outcome.attempt(lambda: _commit_a_new_order(hooked_engine, join_transaction_mode=mode))


def _commit_a_new_order(engine: Engine, **session_options) -> str:
    with Session(engine, **session_options) as session:
        session.add(ShopOrder(id=2, state="new"))
        session.commit()
    return "done"


@then(typed("another connection finds order {order_id:d} {committed:CommitFate}"))
def _(observer: Observer, outcome: Outcome, order_id: int, committed: bool):
    outcome.succeeded()
    stored = observer.shop_orders()
    assert (order_id in stored) is committed, stored
