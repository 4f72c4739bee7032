"""Every scenario's result as data: ``--spec-results=FILE`` writes one results file (``evidence.Results``) per run.

Nothing is dropped: passed, failed, not applicable (with the version reason), skipped (with its reason),
refused by a guard, and collection errors. Under pytest-xdist each worker attaches its scenario record to the
test report, and the controller, which sees every report, writes the file.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from support import guards, versions
from support.evidence import SETUP_PROBLEM, Results, RunFacts, ScenarioRecord, scenario_record

RECORD = "spec_scenario"
REFUSED = "spec_refused"  # a guard refused the scenario before any step ran
COLLECTED_AT = pytest.StashKey[int]()  # the item's place in collection, before any reordering (pytest-randomly)
COLLECTED_SO_FAR = pytest.StashKey[itertools.count]()
# When phases disagree, the status that says more wins: a skipped setup outranks the default "passed".
WORST_FIRST = ("collection_error", "failed", "not_applicable", "skipped", "passed")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sqlalchemy-session-spec").addoption(
        "--spec-results", default=None, metavar="FILE", help="write every scenario's result to FILE as JSON"
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("spec_results")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ResultsWriter(Path(path)), "spec-results-writer")


# --- on the process that runs the scenario (a worker under xdist) -------------------------------


def pytest_itemcollected(item: pytest.Item) -> None:
    item.stash[COLLECTED_AT] = next(item.config.stash.setdefault(COLLECTED_SO_FAR, itertools.count()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if report.when == "setup" and report.failed and SETUP_PROBLEM in item.stash:
        report.user_properties.append((REFUSED, item.stash[SETUP_PROBLEM]))
    if report.when == "teardown" and item.config.getoption("spec_results"):
        scenario = guards.scenario_of(item)
        if scenario is not None:
            record = scenario_record(item, scenario, item.stash.get(COLLECTED_AT, None))
            report.user_properties.append((RECORD, json.dumps(asdict(record))))
    return report


# --- on the controller: gather the reports, write the file ---------------------------------------


class ResultsWriter:
    def __init__(self, path: Path):
        self.path = path
        self.results: dict[str, ScenarioRecord] = {}
        self.started = time.time()

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.results[report.nodeid] = ScenarioRecord(
                report.nodeid, status="collection_error", error=str(report.longrepr)
            )

    def pytest_runtest_logreport(self, report) -> None:
        result = self.results.setdefault(report.nodeid, ScenarioRecord(report.nodeid))
        result.duration += report.duration
        for name, value in report.user_properties:
            if name == RECORD:
                result = self.results[report.nodeid] = result.with_recorded(ScenarioRecord.from_json(json.loads(value)))
        status, reason = _phase_status(report)
        if status and WORST_FIRST.index(status) < WORST_FIRST.index(result.status):
            result.status = status
            if status in ("not_applicable", "skipped"):
                result.reason = reason
            else:
                result.error = reason

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.exitstatus == pytest.ExitCode.USAGE_ERROR:  # refused after collection: no scenario ran
            return
        scenarios = [result for result in self.results.values() if result.feature or result.error is not None]
        Results(RunFacts.of(session.config, self.started), scenarios).write(self.path)


def _phase_status(report) -> tuple[str | None, str | None]:
    refusal = next((value for name, value in report.user_properties if name == REFUSED), None)
    if refusal:
        return "collection_error", refusal
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        return ("not_applicable" if reason.startswith(versions.NOT_APPLICABLE) else "skipped"), reason
    if report.failed:
        return "failed", getattr(report, "longreprtext", "") or str(report.longrepr)
    return None, None
