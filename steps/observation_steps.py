"""What can be observed from outside the code under test: the SQL it sent, another connection."""

from pytest_bdd import given, parsers, then

from support.observer import Observer
from support.outcome import Outcome, error_type_named
from support.parameter_types import typed
from support.sql_log import SqlLog, describe, parameter_values
from support.warnings_log import WarningsLog


@then(typed("the {operation:Operation} sent no SQL"))
def _(sql_log: SqlLog):
    """About the scenario's When: nothing reached the database, not even BEGIN."""
    sent = sql_log.during("when")
    assert sent == [], f"expected no SQL, but the When sent: {describe(sent)}"


@then(typed("the {operation:Operation} sent one SELECT of employee {employee_id:d}"))
def _(sql_log: SqlLog, employee_id: int):
    sent = sql_log.during("when")
    selects = [entry for entry in sent if (entry.verb, entry.table) == ("SELECT", "employees")]
    assert len(selects) == 1, f"expected one SELECT of employees, the When sent: {describe(sent)}"
    assert employee_id in parameter_values(selects[0].parameters), f"the SELECT was not for employee {employee_id}"


@then(parsers.parse("another connection sees the application's connection {state}"))
def _(observer: Observer, outcome: Outcome, state: str):
    """pg_stat_activity, read by the observer: the state of every connection but the harness's own."""
    outcome.succeeded()
    assert [row[0] for row in observer.sessions_of_the_scenario()] == [state]


@then(typed("the {operation:Operation} sent these statements, in order:"))
def _(sql_log: SqlLog, datatable):
    """Statements only (BEGIN/COMMIT/ROLLBACK left out), each as its verb and the table it names first."""
    sent = [(entry.verb, entry.table) for entry in sql_log.during("when") if not entry.is_event]
    expected = [tuple(row) for row in datatable]
    assert sent == expected, f"the When sent: {describe(sql_log.during('when'))}"


@then(parsers.parse('SQLAlchemy warned "{message}"'))
def _(warnings_log: WarningsLog, message: str):
    issued = [entry.message for entry in warnings_log.issued()]
    assert any(message in text for text in issued), f"no warning contains {message!r}; issued: {issued}"


@then(parsers.re(r"the (?P<when>\w+) issued no SQLAlchemy warning"))
def _(warnings_log: WarningsLog, sql_log: SqlLog):
    """About the scenario's When: no SAWarning, SADeprecationWarning or RemovedIn20Warning, nor a subclass of one."""
    when = {index for index, kind in enumerate(sql_log.step_kinds) if kind == "when"}
    warned = warnings_log.from_sqlalchemy_during(when)
    assert warned == [], f"the When was warned: {[(entry.category, entry.message) for entry in warned]}"


@given("SQLAlchemy 1.4's warnings about 2.0 changes are turned on, as SQLALCHEMY_WARN_20 does")
def _(monkeypatch):
    """SQLALCHEMY_WARN_20=1 sets this flag when SQLAlchemy is imported; the scenario sets it for itself only."""
    from sqlalchemy.util import deprecations

    monkeypatch.setattr(deprecations, "SQLALCHEMY_WARN_20", True)


@then(
    parsers.re(
        r'(?:making the session|the call|the import|the flush) is refused with (?P<error>\w+): "(?P<message>.*)"'
    )
)
def _(outcome: Outcome, error: str, message: str):
    """The When's error, of the named class (a built-in exception or one of sqlalchemy.exc), quoting ``message``."""
    refused = outcome.claim(error_type_named(error))
    assert message in str(refused), f"expected {message!r} in: {refused}"


@then(typed('the {operation:Operation}\'s SELECT begins "{start}"'))
def _(sql_log: SqlLog, start: str):
    selects = [" ".join(entry.text.split()) for entry in sql_log.during("when") if entry.verb == "SELECT"]
    assert len(selects) == 1, f"expected one SELECT, the When sent: {describe(sql_log.during('when'))}"
    assert selects[0].startswith(start), f"the SELECT was: {selects[0]}"
