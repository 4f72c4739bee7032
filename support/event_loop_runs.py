"""A small async test project run by real pytest with pytest-asyncio, in a process of its own (forked warm, see
``support.warm_runs``), on the suite's database: its files come from the scenario, its verdicts from pytest's JUnit
XML (whole messages, never cut)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from sqlalchemy.engine import URL

from support import warm_runs

REPORT = "junit.xml"
SETUP_ERROR = re.compile(r'^failed on setup with "(?P<text>.*)"$', re.DOTALL)  # how pytest words a fixture error


@dataclass(frozen=True)
class TestVerdict:
    outcome: str  # passed, failed, or error at setup
    message: str  # the error's first line as pytest reported it, "" when passed

    def raised(self, error_name: str) -> bool:
        """The message names ``error_name`` as the error raised: ``RuntimeError: ...``, ``sqlalchemy.exc.X: ...``."""
        message = self.message.removeprefix("Failed: ")  # a fixture error pytest reports through pytest.fail
        return bool(re.match(rf"^(?:[\w.]+\.)?{re.escape(error_name)}(?::|$)", message))


@dataclass(frozen=True)
class ProjectRun:
    output: str
    verdicts: dict[str, TestVerdict]  # test function name -> its verdict


def run_async_project(directory: Path, database_url: URL) -> ProjectRun:
    """``python -m pytest`` in ``directory``; its conftest finds the asyncpg URL in DATABASE_URL."""
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")},
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    report = directory / REPORT
    report.unlink(missing_ok=True)
    completed = warm_runs.run_client_pytest([f"--junitxml={report}"], directory, environment)
    output = completed.output
    if not report.exists():
        raise AssertionError(f"pytest wrote no report (exit {completed.exit_code}): {output[-1000:]}")
    return ProjectRun(output, _verdicts(report))


def _verdicts(report: Path) -> dict[str, TestVerdict]:
    verdicts = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("name")
        verdicts[name] = TestVerdict("passed", "")
        for child in case:  # a test that failed and then errored at teardown keeps its failure
            if child.tag == "failure" and verdicts[name].outcome == "passed":
                verdicts[name] = TestVerdict("failed", child.get("message", ""))
            elif child.tag == "error" and verdicts[name].outcome == "passed":
                found = SETUP_ERROR.match(child.get("message", ""))
                outcome = "error at setup" if found else "error at teardown"
                verdicts[name] = TestVerdict(outcome, found["text"] if found else child.get("message", ""))
            elif child.tag == "skipped":
                verdicts[name] = TestVerdict("skipped", child.get("message", ""))
    return verdicts
