"""What can be observed from outside the code under test: the SQL it sent, another connection."""

from pytest_bdd import parsers, then

from support.sql_log import SqlLog, describe


@then("no SQL was sent while the request was served")
def _(sql_log: SqlLog):
    sent = sql_log.during("when")
    assert sent == [], f"expected no SQL, but the When sent: {describe(sent)}"


@then(parsers.parse("the request sent one SELECT of employee {employee_id:d}"))
def _(sql_log: SqlLog, employee_id: int):
    sent = sql_log.during("when")
    selects = [entry for entry in sent if entry.verb == "SELECT" and "employees" in entry.text]
    assert len(selects) == 1, f"expected one SELECT of employees, the When sent: {describe(sent)}"
    assert employee_id in _values(selects[0].parameters), f"the SELECT was not for employee {employee_id}"


def _values(parameters) -> list:
    if isinstance(parameters, dict):
        return list(parameters.values())
    return list(parameters or ())
