"""The results collector keeps every scenario with its true status, also under pytest-xdist."""

import json
import textwrap

import pytest

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
    document = json.loads(results.read_text())
    statuses = {record["scenario"]["name"]: record["status"] for record in document["scenarios"]}
    assert statuses == {
        "passes": "passed",
        "fails": "failed",
        "belongs to an old line": "not_applicable",
        "is being written": "skipped",
        "has no then": "collection_error",
    }
    failed = next(r for r in document["scenarios"] if r["status"] == "failed")
    assert "ZeroDivisionError" in failed["error"]
    assert [step["status"] for step in failed["steps"]] == ["passed", "passed", "failed"]
    assert document["run"]["provider"] == "url"
