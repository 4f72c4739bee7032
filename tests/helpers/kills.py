"""The kills of the kill-and-interrupt tests: each test records its kills as user properties (so they reach the
controlling process under pytest-xdist too), and the summary collects them and prints them at the session's end."""

from __future__ import annotations

import signal
from collections import Counter

import pytest

SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
PHASES = ("server start", "mid-scenario", "teardown")
PROPERTY = "kill"  # the user property a kill is recorded under


class KillSummary:
    """A pytest plugin: the kills every test reported, summed up after the run."""

    def __init__(self) -> None:
        self.kills: list[dict] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.kills.extend(value for name, value in report.user_properties if name == PROPERTY)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.kills:
            write_summary(self.kills, terminalreporter.write_line)


def write_summary(kills: list[dict], write) -> None:
    write("")
    missed = sum(kill["phase"] != kill["intended"] for kill in kills)
    write(
        f"kills and interrupts: {len(kills)} runs killed ({missed} hit another phase than meant and were sent "
        f"again), {sum(kill['leaks'] for kill in kills)} leaks"
    )
    for provider in sorted({kill["provider"] for kill in kills}):
        mine = [kill for kill in kills if kill["provider"] == provider]
        counts = Counter((kill["signal"], kill["phase"]) for kill in mine)
        cells = ", ".join(f"{death.name} {phase}: {counts[death.name, phase]}" for death in SIGNALS for phase in PHASES)
        slowest = max(kill["gone_after"] for kill in mine)
        left = sum(kill["left_by_kill"] for kill in mine)
        files = Counter(kill.get("results") for kill in mine)
        write(
            f"  {provider}: {len(mine)} runs ({cells}); processes gone within {slowest:.2f} s of the run's end; "
            + (f"{left} database(s) left by the kills for the next run's sweep; " if provider == "url" else "")
            + f"results file: {files['kept']} kept as it was, {files['partial']} written marked partial, "
            f"{files['complete']} written complete"
        )
