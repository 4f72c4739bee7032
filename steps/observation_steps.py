"""What can be observed from outside the code under test: the SQL it sent, another connection."""

from pytest_bdd import given, parsers, then

from support import families
from support.observer import Observer
from support.outcome import Outcome
from support.sql_log import SqlLog, describe
from support.warnings_log import WarningsLog

SUBJECT = r"the (?:read|request|refresh|query|flush|commit)"


@then(parsers.re(rf"{SUBJECT} sent no SQL"))
def _(sql_log: SqlLog):
    """About the scenario's When: nothing reached the database, not even BEGIN."""
    sent = sql_log.during("when")
    assert sent == [], f"expected no SQL, but the When sent: {describe(sent)}"


@then(parsers.re(rf"{SUBJECT} sent one SELECT of employee (?P<employee_id>\d+)"), converters={"employee_id": int})
def _(sql_log: SqlLog, employee_id: int):
    sent = sql_log.during("when")
    selects = [entry for entry in sent if entry.verb == "SELECT" and "employees" in entry.text]
    assert len(selects) == 1, f"expected one SELECT of employees, the When sent: {describe(sent)}"
    assert employee_id in _values(selects[0].parameters), f"the SELECT was not for employee {employee_id}"


def _values(parameters) -> list:
    if isinstance(parameters, dict):
        return list(parameters.values())
    return list(parameters or ())


@then(parsers.parse("another connection sees the application's connection {state}"))
def _(observer: Observer, outcome: Outcome, state: str):
    """pg_stat_activity, read by the observer: the state of every connection but the harness's own."""
    outcome.succeeded()
    assert [row[0] for row in observer.sessions_of_the_scenario()] == [state]


@then(parsers.parse("the {action} sent these statements, in order:"))
def _(sql_log: SqlLog, datatable, action: str):
    """Statements only (BEGIN/COMMIT/ROLLBACK left out), each as its verb and the table it names first."""
    sent = [entry.text for entry in sql_log.during("when") if not entry.is_event]
    expected = [tuple(row) for row in datatable]
    assert families.statement_targets(sent) == expected, f"the When sent: {describe(sql_log.during('when'))}"


@then(parsers.parse('SQLAlchemy warned "{message}"'))
def _(warnings_log: WarningsLog, message: str):
    issued = [entry.message for entry in warnings_log.issued()]
    assert any(message in text for text in issued), f"no warning contains {message!r}; issued: {issued}"


@then("SQLAlchemy issued no SAWarning")
def _(warnings_log: WarningsLog):
    assert warnings_log.issued("SAWarning") == []


@given("SQLAlchemy 1.4's warnings about 2.0 changes are turned on, as SQLALCHEMY_WARN_20 does")
def _(monkeypatch):
    """SQLALCHEMY_WARN_20=1 sets this flag when SQLAlchemy is imported; the scenario sets it for itself only."""
    from sqlalchemy.util import deprecations

    monkeypatch.setattr(deprecations, "SQLALCHEMY_WARN_20", True)
