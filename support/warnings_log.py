"""Every warning a scenario's steps issued, by step: evidence, like the SQL log."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoggedWarning:
    step: int
    category: str
    message: str


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
        self.entries.extend(LoggedWarning(self._step, w.category.__name__, str(w.message)) for w in self._caught)
        self._catching = self._caught = None

    def issued(self, category: str | None = None) -> list[LoggedWarning]:
        return [entry for entry in self.entries if category is None or entry.category == category]
