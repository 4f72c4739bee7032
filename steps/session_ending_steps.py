"""Ending a session's work: close() against reset(), close_resets_only, and autobegin=False at the request boundary."""

from pytest_bdd import given, parsers, then, when
from sqlalchemy.orm import Session, scoped_session

from support.models import Employee
from support.outcome import Outcome
from support.parameter_types import typed
from support.session_endings import EndingSession
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog, describe, parameter_values


@given(parsers.parse("a request's session has read employee {employee_id:d}"), target_fixture="ending_session")
def _(sessions: ScenarioSessions, employee_id: int) -> EndingSession:
    session = sessions.maker(sessions.engine())()
    return EndingSession(session, session.get(Employee, employee_id))


@given(
    typed("a request's session made with {options:SessionOption} has read employee {employee_id:d}"),
    target_fixture="ending_session",
)
def _(sessions: ScenarioSessions, options: dict, employee_id: int) -> EndingSession:
    session = sessions.maker(sessions.engine(), **options)()
    return EndingSession(session, session.get(Employee, employee_id))


@when(typed("the session is {end:SessionEnd}, then reads employee {employee_id:d} again"))
def _(ending_session: EndingSession, outcome: Outcome, end, employee_id: int):
    def end_then_read():
        end(ending_session.session)
        return ending_session.session.get(Employee, employee_id).email

    outcome.attempt(end_then_read)


@when(typed("a session is made with {options:SessionOption}"))
def _(sessions: ScenarioSessions, outcome: Outcome, options: dict):
    outcome.attempt(lambda: sessions.maker(sessions.engine(), **options)())


@then(typed("the {operation:Operation} sent ROLLBACK, then BEGIN, then one SELECT of employee {employee_id:d}"))
def _(sql_log: SqlLog, employee_id: int):
    """The ending rolled the old transaction back; the read began a new one and loaded the row again."""
    sent = sql_log.during("when")
    assert [(entry.verb, entry.table) for entry in sent] == [
        ("ROLLBACK", ""), ("BEGIN", ""), ("SELECT", "employees"),
    ], describe(sent)  # fmt: skip
    assert employee_id in parameter_values(sent[2].parameters), f"the SELECT was not for employee {employee_id}"


@then("the employee read before the ending is detached")
def _(ending_session: EndingSession):
    assert Session.object_session(ending_session.employee) is None


# --- autobegin=False: every transaction begins explicitly ----------------------------------------------


@given(typed("a scoped session made with {options:SessionOption}"), target_fixture="registry")
def _(sessions: ScenarioSessions, options: dict) -> scoped_session:
    return sessions.scoped(sessions.engine(), **options)


@given(parsers.parse("an earlier request on this thread read employee {employee_id:d} inside session.begin()"))
def _(registry: scoped_session, request_objects: list, employee_id: int):
    with registry().begin():
        request_objects.append(registry().get(Employee, employee_id))


@when(parsers.parse("the same thread reads employee {employee_id:d} inside session.begin()"))
def _(registry: scoped_session, outcome: Outcome, employee_id: int):
    def begin_then_read():
        with registry().begin():
            return registry().get(Employee, employee_id).email

    outcome.attempt(begin_then_read)


@then(typed("the thread's session {inside:IsOrIsNot} left inside a transaction"))
def _(registry: scoped_session, outcome: Outcome, inside: bool):
    outcome.succeeded()
    assert registry().in_transaction() is inside
