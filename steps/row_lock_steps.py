"""Row locks: what the code under test's locking read holds, and another connection that waits for it."""

from pytest_bdd import given, parsers, then, when

from support.databases import DEFAULT_ISOLATION
from support.joining import JoinedTest, recommended_async, recommended_sync
from support.outcome import Outcome, error_type_named
from support.parameter_types import typed
from support.row_locks import OrderRead, OtherConnection, database_name, read_and_commit
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog, describe


@given(
    typed("another connection, like the one a server thread would use, waits at most {seconds:d} s for a lock"),
    target_fixture="other_connection",
)
def _(request, database, seconds: int) -> OtherConnection:
    """Its own engine on the run's database; lock_timeout (PostgreSQL), innodb_lock_wait_timeout (MySQL/MariaDB) or
    busy_timeout (SQLite) set on its connection."""
    other = OtherConnection(database.url, seconds)
    request.addfinalizer(other.close)
    return other


@given(
    typed("the test has handed the code the recommended session of sqlalchemy_session_spec, at {isolation:Isolation}"),
    target_fixture="joined_test",
)
def _(request, flavour: str, sessions: ScenarioSessions, database, isolation: str | None) -> JoinedTest:
    """rolled_back_session(engine.execution_options(isolation_level=...)): the test's connection at that level, as
    its server reports it."""
    options = {"isolation_level": isolation} if isolation else {}
    if flavour == "async":
        async_engine = request.getfixturevalue("async_engine").execution_options(**options)
        joined = recommended_async(request.getfixturevalue("event_loop_runner"), async_engine)
        request.addfinalizer(joined.end)
        level = joined.runner.run(joined.session.bind.get_isolation_level())
    else:
        joined = recommended_sync(sessions.engine().execution_options(**options))
        request.addfinalizer(joined.end)
        level = joined.session.bind.get_isolation_level()
    expected = isolation or DEFAULT_ISOLATION[database_name(database.url)]
    assert level == expected, f"the test's connection runs at {level}, not {expected}"
    return joined


@when(typed("the code under test {read:OrderRead} and commits"))
def _(joined_test: JoinedTest, outcome: Outcome, read: OrderRead):
    outcome.attempt(lambda: read_and_commit(joined_test, read))


@then(parsers.re(r"the code under test's SELECT (?P<ends>ends|does not end) with FOR UPDATE"))
def _(sql_log: SqlLog, ends: str):
    """The statement the dialect rendered for select(...).with_for_update(), as sent."""
    selects = [" ".join(entry.text.split()) for entry in sql_log.during("when") if entry.verb == "SELECT"]
    assert len(selects) == 1, f"expected one SELECT, the When sent: {describe(sql_log.during('when'))}"
    assert selects[0].endswith("FOR UPDATE") is (ends == "ends"), f"the SELECT was: {selects[0]}"


def _after(moment: bool, joined_test: JoinedTest, outcome: Outcome) -> None:
    outcome.succeeded()
    if moment:
        joined_test.end()
    else:
        assert not joined_test.ended, "the test's outer transaction has already been rolled back"


@then(typed("{moment:TestMoment}, another connection's {change:OtherChange} goes through at once"))
def _(joined_test: JoinedTest, outcome: Outcome, other_connection: OtherConnection, moment: bool, change: str):
    _after(moment, joined_test, outcome)
    attempt = other_connection.attempt(change)
    assert attempt.error is None, f"it failed after {attempt.seconds:.1f} s: {attempt.error}"
    # shorter than the lock timeout: it waited for no lock (a loaded machine can make a statement take a while)
    assert attempt.seconds < other_connection.lock_timeout_seconds, f"it waited {attempt.seconds:.1f} s"


@then(
    typed(
        "{moment:TestMoment}, another connection's {change:OtherChange} waits out its lock timeout and fails with "
        '{error:w} ({driver_error}): "{message}"'
    )
)
def _(
    joined_test: JoinedTest,
    outcome: Outcome,
    other_connection: OtherConnection,
    moment: bool,
    change: str,
    error: str,
    driver_error: str,
    message: str,
):
    """The error as SQLAlchemy raises it, the driver's own class (qualified) in brackets, and the driver's words."""
    _after(moment, joined_test, outcome)
    attempt = other_connection.attempt(change)
    assert attempt.error is not None, f"it went through after {attempt.seconds:.1f} s"
    assert isinstance(attempt.error, error_type_named(error)), (
        f"it failed with {type(attempt.error).__name__}: {attempt.error}"
    )
    assert attempt.driver_error() == driver_error, f"the driver raised {attempt.driver_error()}: {attempt.error}"
    assert message in str(attempt.error.orig), f"expected {message!r} in: {attempt.error.orig}"
    timeout = other_connection.lock_timeout_seconds
    waited = timeout * 0.9 <= attempt.seconds < timeout * 10  # the upper bound only catches a wait for something else
    assert waited, f"it failed after {attempt.seconds:.2f} s, not after its lock timeout of {timeout} s"
