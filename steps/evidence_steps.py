"""SQL evidence: the statements a read sent, recorded by the take-home plugin, and the row check of what it read."""

from pytest_bdd import given, parsers, then, when
from sqlalchemy.orm import scoped_session

from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.recorded_reads import EntityRead, RecordedRead, read_recording


@given("the earlier request's session was removed at its end")
def _(registry: scoped_session):
    registry.remove()


@when(
    typed("the same thread reads employee {employee_id:d} with {read:EntityRead}, recording the statements sent"),
    target_fixture="recorded_read",
)
def _(registry: scoped_session, outcome: Outcome, employee_id: int, read: EntityRead) -> RecordedRead:
    return outcome.attempt(lambda: read_recording(registry, employee_id, read))


@then(parsers.parse("the employee read shows the email {email}"))
def _(outcome: Outcome, email: str):
    assert outcome.succeeded().employee.email == email


@then(parsers.parse("the recorded statements hold one SELECT of {table}"))
def _(recorded_read: RecordedRead, table: str):
    """The staging test's check: it passes whenever a SELECT of the table was sent, whatever the read returned."""
    assert len(recorded_read.sent.selects_of(table)) == 1, recorded_read.sent
    assert len(recorded_read.sent) == 1, f"more than the SELECT was sent: {recorded_read.sent}"


@then(typed("the row check fails: the email {was:WasOrWasNot} loaded from a row, the database holds {email}"))
def _(recorded_read: RecordedRead, was: bool, email: str):
    check = recorded_read.freshness()
    assert not check.fresh, str(check)
    assert (check.loaded_from_row, check.database_value) == (was, email), str(check)
    assert ("was loaded from a row" if was else "was not loaded from a row") in str(check)


@then("the row check passes")
def _(recorded_read: RecordedRead):
    check = recorded_read.freshness()
    assert check.fresh, str(check)


@then(typed("the HTTP response {relation:IsOrDiffers} what the database holds for employee {employee_id:d}"))
def _(outcome: Outcome, observer: Observer, relation: bool, employee_id: int):
    """The half of the row check a client can make: the value served against the row read now by another connection."""
    served, held = outcome.succeeded()["email"], observer.employee_email(employee_id)
    assert (served == held) is relation, f"served {served!r}, the database holds {held!r}"
