"""What the scenario's When did: its result, or the error it raised.

A When that may raise runs its action through ``Outcome.attempt``. A Then that expects the error
claims it with ``Outcome.claim``; an error that no Then claims fails the scenario (checked after the
last step), so a broken action can never pass as a quiet success.
"""

from __future__ import annotations

import traceback
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
