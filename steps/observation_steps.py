"""What can be observed from outside the code under test: the SQL it sent, another connection."""

from pytest_bdd import parsers, then

from support.observer import Observer
from support.outcome import Outcome
from support.sql_log import SqlLog, describe

SUBJECT = r"the (?:read|request|refresh|query)"


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
