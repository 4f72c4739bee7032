"""The results collector keeps every scenario with its true status, also under pytest-xdist, in the typed record
of support/evidence.py, which reads back as it was written."""

import subprocess
import textwrap
from pathlib import Path

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

  @sqlalchemy:<2.0
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
    assert (document.run.complete, document.run.partial) == (True, None)


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


# --- a run that covers less than the specification says so (issue 19, item 7) -----------------------------------

PARTIAL_FEATURE = """
Feature: three in a row
  Scenario: first
    Given a number
    When it is divided by 2
    Then there is a result

  Scenario: second
    Given a number
    When <what happens>
    Then there is a result

  Scenario: third
    Given a number
    When it is divided by 2
    Then there is a result
"""
SECOND_STEPS = {
    "fails": "When it is divided by 0",
    "interrupts": "When the run is interrupted",
    "needs a broken session fixture": "When the service is asked",
}
EXTRA_STEPS = """

import os
import signal

import pytest


@when("the run is interrupted")
def _():
    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends


@pytest.fixture(scope="session")
def service():
    raise ConnectionError("the service is down")


@when("the service is asked")
def _(service):
    pass
"""


def run_three(pytester: pytest.Pytester, spec_server, second: str, *arguments: str) -> Path:
    """The three scenarios, the second one as ``second`` says; the results file, holding the last run's until then."""
    pytester.makeconftest('pytest_plugins = ["support.pytest_plugin", "support.report.collector"]')
    pytester.makefile(".feature", spec=PARTIAL_FEATURE.replace("When <what happens>", SECOND_STEPS[second]))
    pytester.makepyfile(test_spec=STEPS + EXTRA_STEPS)
    results = pytester.path / "results.json"
    results.write_text("the last run's results\n")
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    pytester.runpytest_subprocess(
        "--db=url", f"--db-url={admin_url}", f"--spec-results={results}", "-p", "no:randomly", *arguments
    )
    return results


@pytest.mark.parametrize(
    ("second", "arguments", "partial"),
    [
        ("fails", [], None),
        ("fails", ["-x"], "stopping after 1 failures"),
        ("fails", ["-n", "2", "--maxfail=1"], "stopping after 1 failures"),
        ("fails", ["-k", "first or third"], "a selection narrower than the whole specification: -k 'first or third' "
                                            "(1 deselected)"),
        ("fails", ["-n", "2", "-k", "not third"], "a selection narrower than the whole specification: -k 'not third' "
                                                  "(1 deselected)"),
        ("fails", ["-k", "test_spec"], None),  # chooses every scenario
        ("fails", ["test_spec.py::test_first"], "a selection narrower than the whole specification: "
                                                "test_spec.py::test_first"),
        ("interrupts", [], "interrupted (Ctrl-C or SIGINT)"),
        ("needs a broken session fixture", [], "the session fixture service failed: 1 scenario(s) not run"),
    ],
    ids=["whole", "-x", "maxfail-with-workers", "-k", "-k-with-workers", "-k-choosing-all", "node-id", "ctrl-c",
         "session-fixture-failed"],
)  # fmt: skip
def test_a_run_that_covers_less_than_the_specification_is_marked_partial(
    pytester: pytest.Pytester, spec_server, second, arguments, partial
):
    document = Results.read(run_three(pytester, spec_server, second, *arguments))
    assert (document.run.complete, document.run.partial) == (partial is None, partial)
    if partial and "-n" not in arguments:  # with workers, the third may have run beside the second
        ran = {record.scenario.name for record in document.scenarios if record.status != "skipped"}
        assert "third" not in ran or "selection" in partial, ran


def test_a_run_stopped_before_any_scenario_ended_keeps_the_last_results(pytester: pytest.Pytester, spec_server):
    results = run_three(pytester, spec_server, "interrupts", "-k", "second")
    assert results.read_text() == "the last run's results\n"


def test_results_are_written_whole_or_not_at_all(tmp_path):
    """On a disk that fills up midway, the last results stay as they were and no partial file is left."""
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here (mounting needs root)")
    try:
        Results(RUN, []).write(disk / "results.json")
        last = (disk / "results.json").read_text()
        many = [ScenarioRecord(f"steps/test_x.py::test_{number}", error="x" * 100) for number in range(2000)]
        with pytest.raises(OSError, match="No space left on device"):
            Results(RUN, many).write(disk / "results.json")
        assert [path.name for path in disk.iterdir()] == ["results.json"]
        assert (disk / "results.json").read_text() == last
    finally:
        subprocess.run(["umount", str(disk)], check=True)
