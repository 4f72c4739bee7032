"""The server's idle timeouts against a session that outlives its request, sync and async, and the pool's checks."""

from contextlib import ExitStack

import httpx
import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session

from steps.refusal_steps import claim_named
from support.apps.servers import RunningServer
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.reads import read_by_identity
from support.server_timeouts import DatabaseTimeouts, LongLivedAsyncSession, close_after_a_disconnect, lines_logged
from support.sessions import ScenarioSessions, shield_first_connect
from support.sql_log import SqlLog

ONE_SECOND = 1.0  # longer than every timeout the feature sets


@pytest.fixture
def database_timeouts(observer: Observer) -> DatabaseTimeouts:
    return DatabaseTimeouts(observer)


@given(typed("the database ends {ended:IdleTimeout} for more than {milliseconds:d} ms"))
def _(request, database_timeouts: DatabaseTimeouts, ended: tuple, milliseconds: int):
    """Set on the suite's own database for this scenario: the connections made from now on have it."""
    request.addfinalizer(database_timeouts.set(ended, milliseconds))


@given(typed("a scoped session whose engine was made with {options:PoolOptions}"), target_fixture="registry")
def _(sessions: ScenarioSessions, options: dict) -> scoped_session:
    return sessions.scoped(sessions.engine(**options))


@given("a second has passed since the earlier request")
def _(request, registry: scoped_session, database_timeouts: DatabaseTimeouts):
    """Closing at the end of the scenario may meet a connection the server ended unnoticed: that is not the test."""
    request.addfinalizer(lambda: close_after_a_disconnect(registry.remove))
    database_timeouts.wait(ONE_SECOND)


@given("a second has passed since that HTTP request")
def _(web_server: RunningServer, database_timeouts: DatabaseTimeouts):
    database_timeouts.wait(ONE_SECOND)


@given(
    parsers.parse(
        "a read of employee {employee_id:d} on this thread has failed because the server ended the connection"
    )
)
def _(registry: scoped_session, employee_id: int):
    with pytest.raises(DBAPIError) as failed:
        read_by_identity(registry(), employee_id)
    assert failed.value.connection_invalidated, f"not a disconnect: {failed.value}"


@then(typed('the {operation:Operation} failed with {error_name}: "{message}"'))
def _(outcome: Outcome, error_name: str, message: str):
    """The exact class (not a subclass), its text containing the message; SQLAlchemy took it for a disconnect."""
    error = claim_named(outcome, error_name)
    assert message in str(error), f"{error_name} without {message!r}: {error}"
    assert error.connection_invalidated, f"SQLAlchemy did not take it for a disconnect: {error}"


# --- an AsyncSession that outlives its requests, on asyncpg ------------------------------------------


@given(
    typed("an AsyncSession on asyncpg at {isolation:Isolation} isolation, kept open across requests"),
    target_fixture="long_lived_async_session",
)
def _(request, event_loop_runner, database, sql_log: SqlLog, isolation: str) -> LongLivedAsyncSession:
    """Closed, unwatched and disposed, in that order, when the scenario ends."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    cleanup = ExitStack()
    request.addfinalizer(cleanup.close)
    engine = create_async_engine(database.async_url, isolation_level=isolation)
    shield_first_connect(engine.sync_engine)
    cleanup.callback(lambda: event_loop_runner.run(engine.dispose()))
    cleanup.enter_context(sql_log.watching(engine))
    shared = LongLivedAsyncSession(event_loop_runner, AsyncSession(engine))
    cleanup.callback(shared.close)
    return shared


@given(parsers.parse("an earlier request has loaded employee {employee_id:d} through the AsyncSession"))
def _(long_lived_async_session: LongLivedAsyncSession, employee_id: int):
    long_lived_async_session.load(employee_id)


@given("a second has passed since the earlier request, the event loop running")
def _(long_lived_async_session: LongLivedAsyncSession, database_timeouts: DatabaseTimeouts):
    database_timeouts.wait(ONE_SECOND, sleep=long_lived_async_session.sleep)


@given(
    parsers.parse(
        "a read of employee {employee_id:d} through the AsyncSession has failed because the server ended the connection"
    )
)
def _(long_lived_async_session: LongLivedAsyncSession, employee_id: int):
    with pytest.raises(DBAPIError) as failed:
        long_lived_async_session.read_email(employee_id)
    assert failed.value.connection_invalidated, f"not a disconnect: {failed.value}"


@when(parsers.parse("the next request reads employee {employee_id:d} through the AsyncSession"))
def _(long_lived_async_session: LongLivedAsyncSession, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: long_lived_async_session.read_email(employee_id))


# --- over HTTP: what the server answered and logged ----------------------------------------------------


@then(parsers.parse("the HTTP request failed with status {status:d}"))
def _(outcome: Outcome, status: int):
    response = outcome.claim(httpx.HTTPStatusError).response
    assert response.status_code == status, response.text


@then(parsers.parse('the server logged {error}: "{message}"'))
def _(web_server: RunningServer, error: str, message: str):
    """The server's own log of this scenario (emptied when the scenario took the server): the error's line. The
    server logs the error after it has sent the 500, so the line may come a moment after the response."""
    logged = lines_logged(web_server, f"{error}:")
    assert any(message in line for line in logged), f"{error} without {message!r}: {logged}"
