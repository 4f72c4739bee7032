"""Every warning a scenario's steps issued, by step: evidence, like the SQL log."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field


def is_sqlalchemy_warning(category: type[Warning]) -> bool:
    """SAWarning, SADeprecationWarning (RemovedIn20Warning, ...) and SAPendingDeprecationWarning, and their
    subclasses: the warnings SQLAlchemy defines (the deprecation warnings are no SAWarning)."""
    from sqlalchemy import exc

    families = (exc.SAWarning, exc.SADeprecationWarning, exc.SAPendingDeprecationWarning)
    return issubclass(category, families) or category.__module__.startswith("sqlalchemy")


@dataclass(frozen=True)
class LoggedWarning:
    step: int
    category: str
    message: str
    from_sqlalchemy: bool = False  # see is_sqlalchemy_warning


@dataclass
class WarningsLog:
    entries: list[LoggedWarning] = field(default_factory=list)
    _catching: warnings.catch_warnings | None = None
    _caught: list | None = None
    _step: int = -1

    def start_step(self, index: int) -> None:
        self._step = index
        self._catching = warnings.catch_warnings(record=True)
        self._caught = self._catching.__enter__()
        warnings.simplefilter("always")

    def end_step(self) -> None:
        if self._catching is None:
            return
        self._catching.__exit__(None, None, None)
        self.entries.extend(
            LoggedWarning(self._step, w.category.__name__, str(w.message), is_sqlalchemy_warning(w.category))
            for w in self._caught
        )
        self._catching = self._caught = None

    def issued(self, category: str | None = None) -> list[LoggedWarning]:
        return [entry for entry in self.entries if category is None or entry.category == category]

    def from_sqlalchemy_during(self, steps: set[int]) -> list[LoggedWarning]:
        """The SQLAlchemy warnings (subclasses included) issued while the given steps ran."""
        return [entry for entry in self.entries if entry.from_sqlalchemy and entry.step in steps]


def issued_by_the_when(warnings_log: WarningsLog, step_kinds: list[str]) -> list[LoggedWarning]:
    """What the scenario's When step warned (``step_kinds``: each step's kind by index, as the SQL log keeps it)."""
    return [entry for entry in warnings_log.entries if step_kinds[entry.step] == "when"]
