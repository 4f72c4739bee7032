"""Outcome.let_go_of_error: what Python warns once a claimed error, and what its traceback keeps alive, is let go."""

import pytest

from support.outcome import Outcome


async def load() -> None:
    """Stands for a driver's coroutine that the refused load made."""


def refused_load(close_it: bool) -> None:
    pending = load()
    if close_it:
        pending.close()  # as SQLAlchemy 2.0's await_only() does before it raises
    raise LookupError("refused")  # the coroutine stays alive in this frame, kept by the traceback


@pytest.mark.parametrize(("close_it", "warned"), [(False, ["coroutine 'load' was never awaited"]), (True, [])])
def test_the_warnings_of_what_the_error_kept_alive(close_it, warned):
    outcome = Outcome()
    outcome.attempt(lambda: refused_load(close_it))
    outcome.claim(LookupError)
    assert outcome.let_go_of_error() == warned


def test_an_error_no_then_claimed_is_not_let_go():
    outcome = Outcome()
    outcome.attempt(lambda: refused_load(close_it=False))
    with pytest.raises(AssertionError, match="no Then claimed the error"):
        outcome.let_go_of_error()
    outcome.claim(LookupError)
    outcome.let_go_of_error()  # let go here, so that it warns inside this test
