"""What the scenario's When did: its result, or the error it raised.

A When that may raise runs its action through ``Outcome.attempt``. A Then that expects the error
claims it with ``Outcome.claim``; an error that no Then claims fails the scenario (checked after the
last step), so a broken action can never pass as a quiet success.
"""

from __future__ import annotations

import gc
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class UnclaimedError(AssertionError):
    pass


@dataclass
class Outcome:
    attempted: bool = False
    result: Any = None
    error: BaseException | None = None
    claimed: bool = False

    def attempt(self, action: Callable[[], Any]) -> Any:
        """Run the When's action, recording its result or its error."""
        self.attempted = True
        try:
            self.result = action()
        except Exception as error:  # recorded, not swallowed: see verify_claimed
            self.error = error
        return self.result

    def claim(self, error_type: type[BaseException] | tuple[type[BaseException], ...]) -> BaseException:
        """The recorded error, which must be of ``error_type``; marks it as expected."""
        assert self.attempted, "no When step ran an action through the outcome"
        assert self.error is not None, f"expected {_names(error_type)}, but the action succeeded"
        assert isinstance(self.error, error_type), (
            f"expected {_names(error_type)}, but the action raised {type(self.error).__name__}: {self.error}"
        )
        self.claimed = True
        return self.error

    def let_go_of_error(self) -> list[str]:
        """What Python warns once the claimed error and the frames its traceback keeps alive are let go (what they
        held is collected), as a test suite lets go of it at some later test: each warning's message."""
        assert self.claimed, "no Then claimed the error to let go of"
        error, self.error = self.error, None
        gc.collect()  # what earlier scenarios left for the collector warns now, outside what is recorded
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            while error is not None:
                traceback.clear_frames(error.__traceback__)
                error = error.__context__
            gc.collect()
        return [str(warning.message) for warning in caught]

    def succeeded(self) -> Any:
        """The action's result; fails with the action's own error if it raised."""
        assert self.attempted, "no When step ran an action through the outcome"
        if self.error is not None:
            self.claimed = True
            raise AssertionError(f"the action raised {_describe(self.error)}") from self.error
        return self.result

    def verify_claimed(self) -> None:
        if self.error is not None and not self.claimed:
            raise UnclaimedError(
                f"the When step raised {_describe(self.error)} and no Then step claimed it; "
                "add a Then that expects this error or fix the action"
            )


def _names(error_type) -> str:
    types = error_type if isinstance(error_type, tuple) else (error_type,)
    return " or ".join(t.__name__ for t in types)


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()


def error_type_named(name: str) -> type[BaseException]:
    """A built-in exception or one of sqlalchemy.exc, by its class name, as a Then names it."""
    import builtins

    from sqlalchemy import exc

    found = getattr(builtins, name, None) or getattr(exc, name, None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise ValueError(f"{name} is not a built-in exception nor one of sqlalchemy.exc: name the error's class")
    return found
