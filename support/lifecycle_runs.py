"""Lifecycle tests run as a CI job runs them: real pytest, in a process of its own, on a test file a scenario wrote,
against the incident's HR application (``support/lifecycle_project/conftest.py``) on the suite's database."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from support import warm_runs

ROOT = Path(__file__).resolve().parent.parent
PROJECT_CONFTEST = Path(__file__).resolve().parent / "lifecycle_project" / "conftest.py"
SUMMARY = re.compile(r"^=* ?(?P<counts>\d+ (?:passed|failed|error).*?)(?: in [\d.]+s.*)? ?=*$")


@dataclass(frozen=True)
class PytestRun:
    output: str
    exit_code: int

    @property
    def summary(self) -> str:
        """pytest's last line, e.g. ``1 failed``."""
        for line in reversed(self.output.splitlines()):
            found = SUMMARY.match(line.strip())
            if found:
                return found["counts"].strip()
        return f"no summary line (exit {self.exit_code}): {self.output[-500:]}"


def run_pytest(directory: Path, test_file: str, database_url: str, *, remove_at_teardown: bool) -> PytestRun:
    """``python -m pytest test_file`` in ``directory`` with the HR application's conftest beside it."""
    shutil.copyfile(PROJECT_CONFTEST, directory / "conftest.py")
    (directory / "pytest.ini").write_text("[pytest]\n")  # the directory is the rootdir: no conftest of ours above it
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HR_DATABASE_URL": database_url,
        "HR_REMOVE_AT_TEARDOWN": "1" if remove_at_teardown else "0",
    }
    completed = warm_runs.run_client_pytest(["-q", test_file], directory, environment)
    return PytestRun(completed.output, completed.exit_code)
