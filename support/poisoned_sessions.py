"""A session whose flush failed: the duplicate employee that fails it, and the requests that come after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from support.models import Employee


def flush_a_duplicate(session: Session, employee_id: int) -> IntegrityError:
    """Add a second employee with a stored employee's id and flush: the database refuses the INSERT."""
    session.add(Employee(id=employee_id, name="Duplicate", email="duplicate@corp.example"))
    try:
        session.flush()
    except IntegrityError as error:
        return error
    raise AssertionError(f"the flush of a second employee {employee_id} succeeded: is employee {employee_id} stored?")


@dataclass(frozen=True)
class Answers:
    """What each of several requests ended with: its response, or the error it raised."""

    results: list

    def errors(self) -> list[BaseException]:
        return [result for result in self.results if isinstance(result, BaseException)]


def ask_repeatedly(count: int, ask: Callable[[], object]) -> Answers:
    results = []
    for _ in range(count):
        try:
            results.append(ask())
        except Exception as error:  # each request's error is its answer; the Then reads all of them
            results.append(error)
    return Answers(results)
