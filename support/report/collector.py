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
from support.drivers import driver_of
from support.evidence import SERVER, SETUP_PROBLEM, Results, RunFacts, ScenarioRecord, scenario_record
from support.report import messages

RECORD = "spec_scenario"
REFUSED = "spec_refused"  # a guard refused the scenario before any step ran
COLLECTED_AT = pytest.StashKey[int]()  # the item's place in collection, before any reordering (pytest-randomly)
COLLECTED_SO_FAR = pytest.StashKey[itertools.count]()
# When phases disagree, the status that says more wins: a skipped setup outranks the default "passed".
WORST_FIRST = ("collection_error", "failed", "not_applicable", "skipped", "passed")
DESELECTED = "spec_deselected"  # in a pytest-xdist worker's output: how many of its items -k, -m, ... left out
SESSION_FIXTURE_FAILED = "not run: the session fixture "  # the start of a scenario's reason (pytest_plugin)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sqlalchemy-session-spec").addoption(
        "--spec-results", default=None, metavar="FILE", help="write every scenario's result to FILE as JSON"
    )
    parser.getgroup("sqlalchemy-session-spec").addoption(
        "--spec-messages", default=None, metavar="FILE", help="write the run as Cucumber Messages (NDJSON) to FILE"
    )


def pytest_configure(config: pytest.Config) -> None:
    path, messages_path = config.getoption("spec_results"), config.getoption("spec_messages")
    if (path or messages_path) and not hasattr(config, "workerinput"):
        writer = ResultsWriter(Path(path) if path else None, Path(messages_path) if messages_path else None)
        config.pluginmanager.register(writer, "spec-results-writer")


def records_wanted(config: pytest.Config) -> bool:
    """Each scenario's record travels on its teardown report for the results and messages, and the spec reporter."""
    wanted = config.getoption("spec_results") or config.getoption("spec_messages")
    return bool(wanted) or config.getoption("spec_reporter", "pytest") == "spec"


# --- on the process that runs the scenario (a worker under xdist) -------------------------------


def pytest_itemcollected(item: pytest.Item) -> None:
    item.stash[COLLECTED_AT] = next(item.config.stash.setdefault(COLLECTED_SO_FAR, itertools.count()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if report.when == "setup" and report.failed and SETUP_PROBLEM in item.stash:
        report.user_properties.append((REFUSED, item.stash[SETUP_PROBLEM]))
    if report.when == "teardown" and records_wanted(item.config):
        scenario = guards.scenario_of(item)
        if scenario is not None:
            record = scenario_record(item, scenario, item.stash.get(COLLECTED_AT, None))
            server = item.config.stash.get(SERVER, None)
            record.database = server.dialect if server else None
            record.driver = driver_of(item, record.database or "postgresql")
            report.user_properties.append((RECORD, json.dumps(asdict(record))))
    return report


def pytest_deselected(items) -> None:
    """Under pytest-xdist a worker collects, and deselects: it tells the controller how many at its end."""
    workeroutput = getattr(items[0].config, "workeroutput", None) if items else None
    if workeroutput is not None:
        workeroutput[DESELECTED] = workeroutput.get(DESELECTED, 0) + len(items)


# --- on the controller: gather the reports, write the file ---------------------------------------


class ResultsWriter:
    def __init__(self, path: Path | None, messages_path: Path | None = None):
        self.path, self.messages_path = path, messages_path
        self.results: dict[str, ScenarioRecord] = {}
        self.started = time.time()
        self.interrupted: str | None = None
        self.deselected = 0

    def pytest_keyboard_interrupt(self, excinfo) -> None:
        if type(excinfo.value) is KeyboardInterrupt:  # Ctrl-C, or the harness's KeyboardInterrupt("SIGTERM")
            self.interrupted = f"interrupted ({str(excinfo.value) or 'Ctrl-C or SIGINT'})"
        else:  # pytest's and pytest-xdist's own stops: "stopping after 1 failures", "1 error during collection"
            self.interrupted = str(excinfo.value)

    def pytest_deselected(self, items) -> None:
        self.deselected += len(items)

    def pytest_testnodedown(self, node, error) -> None:  # pytest-xdist: a worker's collection, deselected
        self.deselected = max(self.deselected, getattr(node, "workeroutput", {}).get(DESELECTED, 0))

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
        status, reason = phase_status(report)
        if status and WORST_FIRST.index(status) < WORST_FIRST.index(result.status):
            result.status = status
            if status in ("not_applicable", "skipped"):
                result.reason = reason
            else:
                result.error = reason

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        scenarios = [result for result in self.results.values() if result.feature or result.error is not None]
        if session.exitstatus == pytest.ExitCode.USAGE_ERROR or not scenarios:  # refused, or stopped before any
            return  # scenario ran: the last results stay as they were
        facts = RunFacts.of(session.config, self.started)
        facts.partial = partial(session, scenarios, self.interrupted, self.deselected)
        facts.complete = facts.partial is None
        results = Results(facts, scenarios)
        if self.path:
            results.write(self.path)
        if self.messages_path:
            features = session.config.rootpath / session.config.getini("bdd_features_base_dir")
            messages.write(results, self.messages_path, features)


def partial(session: pytest.Session, scenarios: list[ScenarioRecord], interrupted: str | None, deselected: int):
    """Why some scenarios of the specification did not run, or None when the run covered all it collected."""
    reasons = []
    stopped = session.shouldfail or session.shouldstop  # -x / --maxfail: "stopping after 1 failures"
    if interrupted or isinstance(stopped, str):
        reasons.append(interrupted or stopped)
    not_run = [record for record in scenarios if (record.reason or "").startswith(SESSION_FIXTURE_FAILED)]
    if not_run:
        fixture = not_run[0].reason.removeprefix(SESSION_FIXTURE_FAILED).split()[0]
        reasons.append(f"the session fixture {fixture} failed: {len(not_run)} scenario(s) not run")
    narrower = selection(session.config, deselected)
    if narrower:
        reasons.append(narrower)
    return "; ".join(reasons) or None


def selection(config: pytest.Config, deselected: int) -> str | None:
    """The options or arguments that chose part of the specification, as given; None when they chose it all."""
    start = config.invocation_params.dir
    files = [argument for argument in config.args if not (start / argument.split("::")[0]).is_dir()]
    files = files if len(files) == len(config.args) else []  # only files or node ids: no directory of features
    if not deselected and not files:
        return None
    given = [f"{flag} {value!r}" for flag, value in (("-k", config.option.keyword), ("-m", config.option.markexpr))
             if value]  # fmt: skip
    given += [f"--deselect {node}" for node in config.getoption("deselect", None) or ()]
    given += ["--last-failed"] if config.getoption("lf", False) else []
    left_out = f" ({deselected} deselected)" if deselected else ""
    return f"a selection narrower than the whole specification: {' '.join(given + files)}{left_out}"


def phase_status(report) -> tuple[str | None, str | None]:
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
