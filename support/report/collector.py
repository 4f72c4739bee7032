"""Every scenario's result as data: ``--spec-results=FILE`` writes one JSON document per run.

Nothing is dropped: passed, failed, not applicable (with the version reason), skipped (with its reason),
refused by a guard, and collection errors. Under pytest-xdist each worker attaches its scenario record to the
test report, and the controller, which sees every report, writes the file.
"""

from __future__ import annotations

import itertools
import json
import platform
import time
from pathlib import Path

import pytest

from support import guards, secrets, versions

RECORD = "spec_scenario"
REFUSED = "spec_refused"  # a guard refused the scenario before any step ran
STEP_RECORDS = pytest.StashKey[list]()
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


def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    records = request.node.stash.setdefault(STEP_RECORDS, [])
    records.append({"status": "running", "started": time.perf_counter()})


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args) -> None:
    _finish_step(request.node, "passed")


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception) -> None:
    _finish_step(request.node, "failed", f"{type(exception).__name__}: {exception}")


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    request.node.stash.setdefault(STEP_RECORDS, []).append({"status": "undefined", "error": str(exception)})


def _finish_step(node: pytest.Item, status: str, error: str | None = None) -> None:
    record = node.stash[STEP_RECORDS][-1]
    record["duration"] = time.perf_counter() - record.pop("started")
    record["status"] = status
    if error:
        record["error"] = error


def pytest_itemcollected(item: pytest.Item) -> None:
    item.stash[COLLECTED_AT] = next(item.config.stash.setdefault(COLLECTED_SO_FAR, itertools.count()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    from support.pytest_plugin import SETUP_PROBLEM

    if report.when == "setup" and report.failed and SETUP_PROBLEM in item.stash:
        report.user_properties.append((REFUSED, item.stash[SETUP_PROBLEM]))
    if report.when == "teardown" and item.config.getoption("spec_results"):
        scenario = guards.scenario_of(item)
        if scenario is not None:
            report.user_properties.append((RECORD, json.dumps(_scenario_record(item, scenario))))
    return report


def _scenario_record(item: pytest.Item, scenario) -> dict:
    from support.pytest_plugin import SCENARIO_OUTCOME, SCENARIO_SQL_LOG, SCENARIO_WARNINGS

    sql_log = item.stash.get(SCENARIO_SQL_LOG, None)
    outcome = item.stash.get(SCENARIO_OUTCOME, None)
    warnings_log = item.stash.get(SCENARIO_WARNINGS, None)
    step_records = item.stash.get(STEP_RECORDS, [])
    steps = []
    for index, step in enumerate(scenario.steps):
        ran = step_records[index] if index < len(step_records) else {"status": "not_run"}
        sql = sql_log.for_step(index) if sql_log and ran["status"] != "not_run" else []
        steps.append(
            {
                "keyword": step.keyword,
                "type": step.type,
                "text": step.name,
                "line": step.line_number,
                "datatable": [[cell.value for cell in row.cells] for row in step.datatable.rows]
                if step.datatable
                else None,
                "status": ran["status"],
                "duration": ran.get("duration"),
                "error": ran.get("error"),
                "sql": [{"text": entry.text, "event": entry.is_event} for entry in sql],
                "warnings": [
                    {"category": w.category, "message": w.message}
                    for w in (warnings_log.entries if warnings_log else [])
                    if w.step == index
                ],
            }
        )
    feature = scenario.feature
    rule = getattr(scenario, "rule", None)
    callspec = getattr(item, "callspec", None)
    return {
        "feature": {
            "name": feature.name,
            "file": feature.rel_filename,
            "description": feature.description,
            "tags": sorted(feature.tags),
        },
        "rule": {"name": rule.name, "description": rule.description} if rule else None,
        "scenario": {
            "name": scenario.name,
            "line": scenario.line_number,
            "description": scenario.description,
            "tags": sorted(scenario.tags),
            "versions": [str(marker.args[0]) for marker in item.iter_markers("sqlalchemy") if marker.args[0]],
        },
        "example": callspec.params.get("_pytest_bdd_example") if callspec else None,
        "collected_at": item.stash.get(COLLECTED_AT, None),
        "steps": steps,
        "when_result": repr(outcome.result)[:500] if outcome and outcome.attempted and not outcome.error else None,
        "teardown_sql": [{"text": e.text, "event": e.is_event} for e in sql_log.during("teardown")] if sql_log else [],
    }


# --- on the controller: gather the reports, write the file ---------------------------------------


class ResultsWriter:
    def __init__(self, path: Path):
        self.path = path
        self.results: dict[str, dict] = {}
        self.started = time.time()

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.results[report.nodeid] = {
                "nodeid": report.nodeid,
                "status": "collection_error",
                "error": str(report.longrepr),
            }

    def pytest_runtest_logreport(self, report) -> None:
        result = self.results.setdefault(report.nodeid, {"nodeid": report.nodeid, "status": "passed", "duration": 0.0})
        result["duration"] += report.duration
        for name, value in report.user_properties:
            if name == RECORD:
                result.update(json.loads(value))
        status, reason = _phase_status(report)
        if status and WORST_FIRST.index(status) < WORST_FIRST.index(result["status"]):
            result["status"] = status
            result["reason" if status in ("not_applicable", "skipped") else "error"] = reason

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        document = {"run": run_facts(session.config, self.started), "scenarios": list(self.results.values())}
        document["scenarios"] = [result for result in document["scenarios"] if "feature" in result or "error" in result]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(secrets.masked(document), indent=1))  # no password, whatever quoted one


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


def run_facts(config: pytest.Config, started: float) -> dict:
    import asyncpg
    import psycopg2
    import sqlalchemy

    from support.pytest_plugin import SERVER

    server = config.stash.get(SERVER, None)
    return {
        "started": started,
        "finished": time.time(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "drivers": {"psycopg2": psycopg2.__version__.split()[0], "asyncpg": asyncpg.__version__},
        "provider": server.provider if server else None,
        "postgresql": server.server_version if server else None,
        "database": server.describe() if server else None,
    }
