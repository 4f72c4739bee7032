"""Sessions: scoped registries, what an earlier request left behind, and reads through the session."""

import gc

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.exc import DetachedInstanceError

from support import reads
from support.databases import DEFAULT_ISOLATION
from support.families import Family, LoadedParent
from support.models import Employee, User
from support.outcome import Outcome
from support.parameter_types import typed
from support.sessions import (
    ScenarioSessions,
    SessionsAroundClosing,
    SessionsAroundRemoval,
    SessionsOnTwoThreads,
    ask_twice_and_on_another_thread,
    close_and_ask_again,
    remove_and_ask_again,
)
from support.sql_log import SqlLog, describe
from support.warnings_log import WarningsLog, issued_by_the_when


@pytest.fixture
def request_objects() -> list[Employee]:
    """What the current request's code holds, like its local variables."""
    return []


@pytest.fixture
def application_references() -> list[Employee]:
    """What the application keeps referenced after a request ends."""
    return []


@pytest.fixture
def session(loaded_parent: LoadedParent) -> Session:
    """The session of the scenario's "a session has loaded ..." Given."""
    return loaded_parent.session


@given(
    typed("a scoped session at {isolation:Isolation} isolation, expire_on_commit {expire_on_commit:OnOff}"),
    target_fixture="registry",
)
def _(sessions: ScenarioSessions, isolation: str | None, expire_on_commit: bool) -> scoped_session:
    """An isolation level the database lacks is refused by SQLAlchemy (ArgumentError naming the valid ones)."""
    level = isolation or DEFAULT_ISOLATION[sessions.url.get_backend_name()]  # set, whatever the server's own default
    return sessions.scoped(sessions.engine(isolation_level=level), expire_on_commit=expire_on_commit)


@given("a scoped session", target_fixture="registry")
def _(sessions: ScenarioSessions) -> scoped_session:
    return sessions.scoped(sessions.engine())


@given(parsers.parse("an earlier request on this thread has loaded employee {employee_id:d}"))
def _(registry: scoped_session, request_objects: list[Employee], employee_id: int):
    request_objects.append(registry().get(Employee, employee_id))


@given(typed("the earlier request {end:RequestEnding}"))
def _(registry: scoped_session, end):
    end(registry())


@given("the earlier request left its transaction open")
def _(registry: scoped_session):
    assert registry().in_transaction(), "the earlier request has no open transaction to leave open"


@given(parsers.parse("the application still references employee {employee_id:d}"))
def _(request_objects: list[Employee], application_references: list[Employee], employee_id: int):
    application_references.extend(o for o in request_objects if _identity(o) == (employee_id,))
    request_objects.clear()


@given(parsers.parse("nothing references employee {employee_id:d} any more"))
def _(registry: scoped_session, request_objects: list[Employee], employee_id: int):
    """The identity map holds objects weakly: with the last reference gone, the object leaves it."""
    request_objects.clear()
    _collect_if_still_present(registry(), employee_id)
    assert not _is_present(registry(), employee_id), "something still holds the employee"


@given(parsers.parse("the earlier request changed the name of employee {employee_id:d} without flushing"))
def _(registry: scoped_session, employee_id: int):
    registry().get(Employee, employee_id).name = "Renamed, not flushed"


@given(parsers.parse("the application has let go of employee {employee_id:d}"))
def _(registry: scoped_session, request_objects: list[Employee], application_references: list[Employee],
      employee_id: int):  # fmt: skip
    """Nothing outside the session references the object any more; whether the session still does is its own affair."""
    request_objects.clear()
    application_references.clear()
    _collect_if_still_present(registry(), employee_id)


@given(parsers.parse("the same thread has read the email column of employee {employee_id:d}, which showed {email}"))
def _(registry: scoped_session, employee_id: int, email: str):
    assert reads.read_column_query(registry(), employee_id) == email


def _identity(instance) -> tuple:
    """The primary key the Session knows the object by, read without loading anything."""
    return inspect(instance).identity


def _is_present(session: Session, employee_id: int) -> bool:
    return any(_identity(o) == (employee_id,) for o in session.identity_map.values())


def _collect_if_still_present(session: Session, employee_id: int) -> None:
    """A full garbage collection, only when reference counting alone left the object in the identity map (a cycle,
    or the session itself, holds it): the collection costs a fraction of a second on a run's heap."""
    if _is_present(session, employee_id):
        gc.collect()


@when(parsers.parse("the same thread reads employee {employee_id:d} through its scoped session"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_by_identity(registry(), employee_id))


@when(parsers.parse("the same thread reads the email column of employee {employee_id:d}"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_column_query(registry(), employee_id))


@when(typed("the same thread runs {query:EntityQuery} for employee {employee_id:d}"))
def _(registry: scoped_session, outcome: Outcome, query: reads.Read, employee_id: int):
    outcome.attempt(lambda: query(registry(), employee_id))


@when(parsers.parse("the same thread expires everything in its session and reads employee {employee_id:d}"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_after_expire_all(registry(), employee_id))


@when(parsers.parse("the same thread expires employee {employee_id:d} and reads it"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_after_expire(registry(), employee_id))


@when(typed("the same thread {step:TransactionStep}, then reads employee {employee_id:d}"))
def _(registry: scoped_session, outcome: Outcome, step, employee_id: int):
    def then_read():
        step(registry())
        return reads.read_by_identity(registry(), employee_id)

    outcome.attempt(then_read)


@when(parsers.parse("the same thread refreshes employee {employee_id:d} and reads it"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    outcome.attempt(lambda: reads.read_after_refresh(registry(), employee_id))


@when(typed('the same thread reads employee {employee_id:d} with "{read:Spelling}"'))
def _(registry: scoped_session, outcome: Outcome, employee_id: int, read: reads.Read):
    outcome.attempt(lambda: read(registry(), employee_id))


@then(parsers.parse("the email read is {email}"))
def _(outcome: Outcome, email: str):
    assert outcome.succeeded() == email


@then(typed("the {operation:Operation} sent BEGIN, then one SELECT of employee {employee_id:d}"))
def _(sql_log: SqlLog, employee_id: int):
    """A new transaction: the session had none left when the read came."""
    sent = sql_log.during("when")
    assert [(entry.verb, entry.table) for entry in sent] == [("BEGIN", ""), ("SELECT", "employees")], describe(sent)
    parameters = sent[1].parameters
    values = parameters.values() if isinstance(parameters, dict) else parameters or ()
    assert employee_id in values, f"the SELECT was not for employee {employee_id}"


# --- the registry itself ---------------------------------------------------------------------------


@when(
    "the registry is asked for a session twice on this thread and once on another thread",
    target_fixture="sessions_on_two_threads",
)
def _(registry: scoped_session) -> SessionsOnTwoThreads:
    return ask_twice_and_on_another_thread(registry)


@when("this thread removes its session and asks the registry again", target_fixture="sessions_around_removal")
def _(registry: scoped_session) -> SessionsAroundRemoval:
    return remove_and_ask_again(registry)


@when(
    typed("the earlier request {end:RequestEnding} and this thread asks the registry again"),
    target_fixture="sessions_around_closing",
)
def _(registry: scoped_session, end) -> SessionsAroundClosing:
    return close_and_ask_again(registry, end)


@then("the registry handed back the same session, with an empty identity map")
def _(sessions_around_closing: SessionsAroundClosing):
    assert sessions_around_closing.after_closing is sessions_around_closing.closed
    assert len(sessions_around_closing.after_closing.identity_map) == 0


@then("the objects of the closed session are detached")
def _(sessions_around_closing: SessionsAroundClosing, application_references: list[Employee]):
    assert application_references, "the application references nothing to check"
    assert all(Session.object_session(o) is None for o in application_references)


@then("both sessions on this thread are the same object")
def _(sessions_on_two_threads: SessionsOnTwoThreads):
    assert sessions_on_two_threads.first is sessions_on_two_threads.second


@then("the other thread's session is a different object")
def _(sessions_on_two_threads: SessionsOnTwoThreads):
    assert sessions_on_two_threads.other_thread is not sessions_on_two_threads.first


@then("the session after removal is a new one, with an empty identity map")
def _(sessions_around_removal: SessionsAroundRemoval):
    assert sessions_around_removal.after_removal is not sessions_around_removal.removed
    assert len(sessions_around_removal.after_removal.identity_map) == 0


@then("the removed session was closed, its objects detached")
def _(sessions_around_removal: SessionsAroundRemoval, application_references: list[Employee]):
    assert len(sessions_around_removal.removed.identity_map) == 0
    assert all(Session.object_session(o) is None for o in application_references)


# --- a session per request, as a context manager ------------------------------------------------


@given(
    parsers.parse("an earlier request read employee {employee_id:d} in a session-per-request context manager"),
    target_fixture="request_session",
)
def _(sessions: ScenarioSessions, request_objects: list[Employee], employee_id: int) -> Session:
    session = sessions.maker(sessions.engine())()
    session.__enter__()
    request_objects.append(session.get(Employee, employee_id))
    return session


@given(
    parsers.parse(
        "an earlier request read employee {employee_id:d} inside sessionmaker.begin(), which committed and closed it"
    )
)
def _(sessions: ScenarioSessions, request_objects: list[Employee], employee_id: int):
    """``with Session.begin() as session:``, the sessionmaker's own per-request block."""
    with sessions.maker(sessions.engine()).begin() as session:
        request_objects.append(session.get(Employee, employee_id))


@given("that request committed and its context manager closed the session")
def _(request_session: Session):
    request_session.commit()
    request_session.__exit__(None, None, None)


@given("that request's context manager closed the session without a commit")
def _(request_session: Session):
    request_session.__exit__(None, None, None)


@when(parsers.parse("the application reads the email of the employee {employee_id:d} object it kept"))
def _(request_objects: list[Employee], outcome: Outcome, employee_id: int):
    [employee] = [o for o in request_objects if _identity(o) == (employee_id,)]
    outcome.attempt(lambda: employee.email)


@then("the read is refused because the employee is detached from its closed session")
def _(outcome: Outcome):
    error = outcome.claim(DetachedInstanceError)
    assert "is not bound to a Session" in str(error)


# --- the session's own work: flush, commit, queries (autoflush) -------------------------------------


@when("the session flushes")
def _(session: Session, outcome: Outcome):
    outcome.attempt(session.flush)


@when("the session commits")
def _(session: Session, outcome: Outcome):
    outcome.attempt(session.commit)


@when(typed("the session commits the deletion of {family:Parent} {parent_id:d}"))
def _(session: Session, loaded_parent: LoadedParent, outcome: Outcome, family: Family, parent_id: int):
    def delete_and_commit():
        session.delete(loaded_parent.named(family, parent_id))
        session.commit()

    outcome.attempt(delete_and_commit)


@given(parsers.parse("the session holds a pending new user {user_id:d}"))
def _(session: Session, user_id: int):
    session.add(User(id=user_id, name=f"User {user_id}"))


@when("the session runs an ORM query for all users")
def _(session: Session, outcome: Outcome):
    outcome.attempt(lambda: len(session.execute(select(User)).all()))


@when(parsers.parse('the session runs the textual query "{sql}"'))
def _(session: Session, outcome: Outcome, sql: str):
    outcome.attempt(lambda: session.execute(text(sql)).scalar_one())


@when("the session runs a Core query on the users table")
def _(session: Session, outcome: Outcome):
    outcome.attempt(lambda: len(session.execute(select(User.__table__)).all()))


@when('the session runs "SELECT count(*) FROM users" with exec_driver_sql() on its connection')
def _(session: Session, outcome: Outcome):
    outcome.attempt(lambda: session.connection().exec_driver_sql("SELECT count(*) FROM users").scalar())


@then(typed("the {operation:Operation} issued no warning of any kind"))
def _(warnings_log: WarningsLog, sql_log: SqlLog):
    """Any Warning subclass counts (SAWarning, SADeprecationWarning, RemovedIn20Warning, ...), issued by the When."""
    issued = issued_by_the_when(warnings_log, sql_log.step_kinds)
    assert issued == [], f"the When warned: {issued}"


@then(typed('the {operation:Operation} itself warned "{message}"'))
def _(warnings_log: WarningsLog, sql_log: SqlLog, message: str):
    """Issued while the When ran, not by a Given before it."""
    issued = [entry.message for entry in issued_by_the_when(warnings_log, sql_log.step_kinds)]
    assert any(message in text for text in issued), f"the When issued no warning with {message!r}; it issued: {issued}"


@then(parsers.parse("the query counted {count:d} users"))
def _(outcome: Outcome, count: int):
    assert outcome.succeeded() == count
