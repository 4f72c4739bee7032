"""The results collector keeps every scenario with its true status, also under pytest-xdist, in the typed record
of support/evidence.py, which reads back as it was written."""

import textwrap

import pytest

from support.evidence import (
    FeatureFacts,
    Results,
    RunFacts,
    ScenarioFacts,
    ScenarioRecord,
    SqlEntry,
    StepRecord,
    StepWarning,
)
from tests.helpers.samples import DIVISION_STEPS as STEPS

FEATURE = """
Feature: statuses
  Scenario: passes
    Given a number
    When it is divided by 2
    Then there is a result

  Scenario: fails
    Given a number
    When it is divided by 0
    Then there is a result

  @sqlalchemy:<1.0
  Scenario: belongs to an old line
    Given a number
    When it is divided by 2
    Then there is a result

  @wip
  Scenario: is being written
    Given a number
    When it is divided by 2
    Then there is a result

  Scenario: has no then
    Given a number
    When it is divided by 2
"""

RUN = RunFacts("3.11.7", "2.1.9", {"psycopg2": "2.9.13", "asyncpg": "0.32.0"}, "url", "18.6",
               "url PostgreSQL 18.6 (db:5432 as me)", ["container: no Docker engine"], ["spec_0a1b2c3d_main"],
               started=1.0, finished=2.0)  # fmt: skip


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_every_status_is_recorded(pytester: pytest.Pytester, spec_server, workers):
    pytester.makeconftest('pytest_plugins = ["support.pytest_plugin", "support.report.collector"]')
    pytester.makeini("[pytest]\nmarkers =\n    wip: work in progress\n")
    pytester.makefile(".feature", spec=textwrap.dedent(FEATURE))
    pytester.makepyfile(test_spec=STEPS)
    results = pytester.path / "results.json"
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    pytester.runpytest_subprocess(
        *workers, "--db=url", f"--db-url={admin_url}", f"--spec-results={results}", "-p", "no:randomly"
    )
    document = Results.read(results)
    statuses = {record.scenario.name: record.status for record in document.scenarios}
    assert statuses == {
        "passes": "passed",
        "fails": "failed",
        "belongs to an old line": "not_applicable",
        "is being written": "skipped",
        "has no then": "collection_error",
    }
    failed = next(record for record in document.scenarios if record.status == "failed")
    assert "ZeroDivisionError" in failed.error
    assert [step.status for step in failed.steps] == ["passed", "passed", "failed"]
    assert document.run.provider == "url"


def test_a_results_file_reads_back_as_written(tmp_path):
    step = StepRecord("When", "when", "the session flushes", 12, [["INSERT", "persons"]], "passed", 0.002, None,
                      [SqlEntry("BEGIN", True), SqlEntry("INSERT INTO persons ...", False)],
                      [StepWarning("SAWarning", "not proceeding")])  # fmt: skip
    record = ScenarioRecord(
        "steps/test_cascades.py::test_x", "failed", 0.1, None, "AssertionError: no",
        FeatureFacts("Cascades", "cascades/x.feature", "Prose.", ["cascades"]), None,
        ScenarioFacts("x", 11, "", ["sqlalchemy:>=2.0"], [">=2.0"]), {"id": "1"}, 3, [step], None,
        [SqlEntry("ROLLBACK", True)],
    )  # fmt: skip
    unreadable = ScenarioRecord("steps/test_broken.py", "collection_error", error="ParseError")
    Results(RUN, [record, unreadable]).write(tmp_path / "results.json")
    assert Results.read(tmp_path / "results.json") == Results(RUN, [record, unreadable])


def test_the_run_facts_give_the_header_lines():
    assert RUN.lines() == [
        "database: url PostgreSQL 18.6 (db:5432 as me)",
        "database passed over: container: no Docker engine",
        "database swept: spec_0a1b2c3d_main (left by killed runs)",
        "sqlalchemy: 2.1.9; drivers: psycopg2 2.9.13, asyncpg 0.32.0",
    ]
