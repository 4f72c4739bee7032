"""Errors SQLAlchemy raised for the scenario's When, claimed by their class name and the text a reader looks for."""

import sqlalchemy.exc
from pytest_bdd import parsers, then

from support.outcome import Outcome

# errors a feature may name, by name: SQLAlchemy's own, and Python's for an argument or attribute that does not exist
NAMED_ERRORS = {
    name: error
    for name, error in vars(sqlalchemy.exc).items()
    if isinstance(error, type) and issubclass(error, Exception)
} | {"TypeError": TypeError, "AttributeError": AttributeError}


def claim_named(outcome: Outcome, error_name: str) -> BaseException:
    assert error_name in NAMED_ERRORS, f"{error_name} is not an error this step knows: use one of sqlalchemy.exc"
    error = outcome.claim(NAMED_ERRORS[error_name])
    assert type(error).__name__ == error_name, f"expected {error_name}, got {type(error).__name__}: {error}"
    return error


@then(parsers.parse('the database refused it with {error_name}: "{message}"'))
def _(outcome: Outcome, error_name: str, message: str):
    """The database's own error, as SQLAlchemy wraps it (OperationalError, IntegrityError), and its text."""
    error = claim_named(outcome, error_name)
    assert message in str(error), f"{error_name} without {message!r}: {error}"


@then(parsers.parse('SQLAlchemy refused it with {error_name}: "{message}"'))
def _(outcome: Outcome, error_name: str, message: str):
    """The exact class (not a subclass of it), and its text contains the message."""
    error = claim_named(outcome, error_name)
    assert message in str(error), f"{error_name} without {message!r}: {error}"


@then(parsers.parse('once the error is let go, Python warns: "{message}"'))
def _(outcome: Outcome, message: str):
    assert outcome.let_go_of_error() == [message]


@then("once the error is let go, Python warns nothing")
def _(outcome: Outcome):
    assert outcome.let_go_of_error() == []
