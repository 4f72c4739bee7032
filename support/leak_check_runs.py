"""Runs of the session-leak check: a test project (support/leak_check_project/ plus the scenario's test files)
run by real pytest, with the take-home plugin installed, in a process of its own, on the suite's database."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from support import warm_runs

PROJECT = Path(__file__).resolve().parent / "leak_check_project"
LEAK = "session leak: "
OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR) (\S+?)(?: - .*)?$")
ANYTHING = "…"  # in an expected line: a part that varies from run to run (an address, a line number, an age)


@dataclass(frozen=True)
class LeakCheckRun:
    """What the project's pytest printed, and how it exited."""

    output: str
    exit_code: int

    @property
    def leak_lines(self) -> list[str]:
        """The check's lines, each once (pytest prints a failure's text in its section and in the summary)."""
        return [line for line in self.output.splitlines() if line.startswith(LEAK)]

    @property
    def outcomes(self) -> dict[str, str]:
        """Each test's verdict from the short summary (-rA): test name -> PASSED, FAILED or ERROR."""
        found = {}
        for line in self.output.splitlines():
            match = OUTCOME.match(line)
            if match:
                name = match[2].split("::")[-1]
                found[name] = "FAILED" if "FAILED" in (match[1], found.get(name)) else match[1]
        return found


def write_project(directory: Path, ini: str) -> None:
    """The project's conftest and application, and its pytest.ini with ``ini`` (the leak check's options)."""
    for source in PROJECT.glob("*.py"):
        shutil.copy(source, directory / source.name)
    (directory / "pytest.ini").write_text(f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{ini}\n")
    serve_the_fixed_application(directory, True)


def serve_the_fixed_application(directory: Path, fixed: bool) -> None:
    """Whether the project's application removes its scoped session at teardown (HR_REMOVE_AT_TEARDOWN)."""
    (directory / ".remove_at_teardown").write_text("1" if fixed else "0")


def run_project(directory: Path, database_url: URL) -> LeakCheckRun:
    """``python -m pytest`` in the project; the URL travels in the environment, never into its files."""
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")},
        "HR_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "HR_REMOVE_AT_TEARDOWN": (directory / ".remove_at_teardown").read_text(),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    completed = warm_runs.run_client_pytest(["-rA"], directory, environment)
    return LeakCheckRun(completed.output, completed.exit_code)


def line_pattern(expected: str) -> re.Pattern:
    """An expected line as a pattern: ``…`` stands for one varying part without spaces."""
    return re.compile("^" + r"\S+?".join(re.escape(part) for part in expected.split(ANYTHING)) + "$")
