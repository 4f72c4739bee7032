"""The evidence a run leaves, typed: each scenario's record, the facts of the run, and the stash keys through
which the harness plugin hands them to the results collector.

While a scenario runs, its ``ScenarioEvidence`` gathers the SQL, the warnings, the When's outcome and each step's
run, all under one step index: the SQL log's, advanced once per step by ``start_step``. At teardown it becomes a
``ScenarioRecord``; the results file holds those records with the ``RunFacts``, and the report reads them back.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pytest

from support import secrets
from support.database.server import ServerHandle
from support.databases import DEFAULT as DEFAULT_DATABASE
from support.drivers import used_drivers
from support.outcome import Outcome
from support.sql_log import LoggedSql, SqlLog
from support.warnings_log import WarningsLog

SERVER = pytest.StashKey[ServerHandle]()  # on the config: the server the run uses
PASSED_OVER = pytest.StashKey[tuple[str, ...]]()  # on the config: why other providers could not serve
SETUP_PROBLEM = pytest.StashKey[str]()  # on the item: why a guard refused the scenario before any step ran
SCENARIO_EVIDENCE = pytest.StashKey["ScenarioEvidence"]()  # on the item: what the scenario left while it ran


# --- while the scenario runs --------------------------------------------------------------------


@dataclass(frozen=True)
class StepDefinition:
    """Where a step's definition is and what it matches: its parser as one regular expression (what Cucumber
    Messages call a step definition's pattern), its function's file (relative to the project) and first line (that
    of its first decorator)."""

    type: str | None  # given, when, then; None for a step that matches every type
    pattern: str
    file: str
    line: int


@dataclass
class StepRun:
    status: str = "running"  # then "passed", "failed", or "undefined" (no step definition matched)
    started: float = field(default_factory=time.perf_counter)
    duration: float | None = None
    error: str | None = None
    definition: StepDefinition | None = None


@dataclass
class ScenarioEvidence:
    sql_log: SqlLog = field(default_factory=SqlLog)
    warnings_log: WarningsLog = field(default_factory=WarningsLog)
    outcome: Outcome | None = None
    step_runs: dict[int, StepRun] = field(default_factory=dict)  # by step index

    def start_step(self, kind: str, definition: StepDefinition | None = None) -> None:
        """The one place a step index advances; the SQL, the warnings and the step's run are all filed under it."""
        self.sql_log.enter_step(kind)
        self.step_runs[self.sql_log.current_step] = StepRun(definition=definition)
        self.warnings_log.start_step(self.sql_log.current_step)

    def end_step(self, error: Exception | None = None) -> None:
        self.warnings_log.end_step()
        run = self.step_runs[self.sql_log.current_step]
        run.duration = time.perf_counter() - run.started
        run.status = "failed" if error else "passed"
        run.error = f"{type(error).__name__}: {error}" if error else None

    def undefined_step(self, kind: str, error: Exception) -> None:
        self.sql_log.enter_step(kind)
        self.step_runs[self.sql_log.current_step] = StepRun("undefined", error=str(error))

    @property
    def step_failed(self) -> bool:
        return any(run.status == "failed" for run in self.step_runs.values())


def scenario_evidence(item: pytest.Item) -> ScenarioEvidence:
    """The evidence of the scenario ``item`` runs, begun by whichever fixture or hook asks first."""
    return item.stash.setdefault(SCENARIO_EVIDENCE, ScenarioEvidence())


# --- the record ---------------------------------------------------------------------------------


@dataclass
class SqlEntry:
    text: str  # the statement, or BEGIN / COMMIT / ROLLBACK for a transaction event
    event: bool


@dataclass
class StepWarning:
    category: str
    message: str


@dataclass
class StepRecord:
    keyword: str  # as written: Given, When, Then, And, But
    type: str  # given, when or then
    text: str
    line: int
    datatable: list[list[str]] | None
    status: str  # passed, failed, undefined, running (it never ended), not_run
    duration: float | None = None
    error: str | None = None
    sql: list[SqlEntry] = field(default_factory=list)
    warnings: list[StepWarning] = field(default_factory=list)
    docstring: str | None = None  # a step's doc string (a module's source, in the lint's feature)
    definition: StepDefinition | None = None  # the step definition that ran it (none if it did not run)

    @classmethod
    def from_json(cls, data: dict) -> StepRecord:
        definition = data.get("definition")
        return cls(
            **data
            | {
                "sql": _sql(data["sql"]),
                "warnings": [StepWarning(**warning) for warning in data["warnings"]],
                "definition": StepDefinition(**definition) if definition else None,
            }
        )


@dataclass
class FeatureFacts:
    name: str
    file: str  # relative to features/
    description: str
    tags: list[str]


@dataclass
class RuleFacts:
    name: str
    description: str


@dataclass
class ScenarioFacts:
    name: str
    line: int
    description: str
    tags: list[str]
    versions: list[str]  # the specifiers of its version tags


@dataclass
class ScenarioRecord:
    """One test's result; ``feature`` is None for what is no scenario (a test module that could not be collected)."""

    nodeid: str
    status: str = "passed"  # passed, failed, not_applicable, skipped, collection_error
    duration: float = 0.0
    reason: str | None = None  # why not applicable, or skipped
    error: str | None = None
    feature: FeatureFacts | None = None
    rule: RuleFacts | None = None
    scenario: ScenarioFacts | None = None
    example: dict[str, str] | None = None  # an outline's example row
    collected_at: int | None = None  # its place in collection, before any reordering
    steps: list[StepRecord] = field(default_factory=list)
    when_result: str | None = None
    teardown_sql: list[SqlEntry] = field(default_factory=list)
    driver: str | None = None  # the driver of the scenario's own engines: psycopg2, psycopg, asyncpg, pysqlite...
    database: str | None = None  # the database it ran on: postgresql or sqlite (None: a file from before)

    def with_recorded(self, recorded: ScenarioRecord) -> ScenarioRecord:
        """What the scenario recorded while it ran, with this record's outcome (status, duration, reason, error)."""
        return replace(recorded, status=self.status, duration=self.duration, reason=self.reason, error=self.error)

    @classmethod
    def from_json(cls, data: dict) -> ScenarioRecord:
        def facts(kind, value):
            return kind(**value) if value else None

        return cls(
            **data
            | {
                "feature": facts(FeatureFacts, data.get("feature")),
                "rule": facts(RuleFacts, data.get("rule")),
                "scenario": facts(ScenarioFacts, data.get("scenario")),
                "steps": [StepRecord.from_json(step) for step in data.get("steps") or []],
                "teardown_sql": _sql(data.get("teardown_sql") or []),
            }
        )


def _sql(entries: list[dict]) -> list[SqlEntry]:
    return [SqlEntry(**entry) for entry in entries]


def _sql_entries(logged: list[LoggedSql]) -> list[SqlEntry]:
    return [SqlEntry(entry.text, entry.is_event) for entry in logged]


def scenario_record(item: pytest.Item, scenario, collected_at: int | None) -> ScenarioRecord:
    """The record of the pytest-bdd ``scenario`` that ``item`` ran, from its evidence (none if it never started)."""
    evidence = item.stash.get(SCENARIO_EVIDENCE, None) or ScenarioEvidence()
    steps = []
    for index, step in enumerate(scenario.steps):
        run = evidence.step_runs.get(index)
        steps.append(
            StepRecord(
                step.keyword,
                step.type,
                step.name,
                step.line_number,
                [[cell.value for cell in row.cells] for row in step.datatable.rows] if step.datatable else None,
                run.status if run else "not_run",
                run.duration if run else None,
                run.error if run else None,
                _sql_entries(evidence.sql_log.for_step(index)) if run else [],
                [StepWarning(w.category, w.message) for w in evidence.warnings_log.entries if w.step == index],
                step.docstring,
                run.definition if run else None,
            )
        )
    feature, rule, outcome = scenario.feature, getattr(scenario, "rule", None), evidence.outcome
    callspec = getattr(item, "callspec", None)
    return ScenarioRecord(
        item.nodeid,
        feature=FeatureFacts(feature.name, feature.rel_filename, feature.description, sorted(feature.tags)),
        rule=RuleFacts(rule.name, rule.description) if rule else None,
        scenario=ScenarioFacts(
            scenario.name,
            scenario.line_number,
            scenario.description,
            sorted(scenario.tags),
            [str(marker.args[0]) for marker in item.iter_markers("sqlalchemy") if marker.args[0]],
        ),
        example=callspec.params.get("_pytest_bdd_example") if callspec else None,
        collected_at=collected_at,
        steps=steps,
        when_result=repr(outcome.result)[:500] if outcome and outcome.attempted and not outcome.error else None,
        teardown_sql=_sql_entries(evidence.sql_log.during("teardown")),
    )


# --- the run ------------------------------------------------------------------------------------


@dataclass
class RunFacts:
    """What the run ran on: the terminal's header and summary lines, and the results file's ``run``."""

    python: str
    sqlalchemy: str
    drivers: dict[str, str]  # name -> version
    provider: str | None = None
    postgresql: str | None = None
    database: str | None = None  # the server, described; never a password
    passed_over: list[str] = field(default_factory=list)  # why other providers could not serve
    swept: list[str] = field(default_factory=list)  # databases of killed runs this start dropped
    started: float | None = None
    finished: float | None = None
    complete: bool = True  # False: some scenarios of the specification did not run (``partial`` says why)
    partial: str | None = None
    dialect: str = DEFAULT_DATABASE  # the database the run is on: postgresql or sqlite (support.databases)
    database_version: str | None = None  # the server's (or SQLite library's) version, whichever the database

    @classmethod
    def of(cls, config: pytest.Config, started: float | None = None) -> RunFacts:
        import sqlalchemy

        server = config.stash.get(SERVER, None)
        dialect = server.dialect if server else DEFAULT_DATABASE
        return cls(
            platform.python_version(),
            sqlalchemy.__version__,
            {name: _driver_version(module) for name, module in used_drivers(dialect).items()},
            server.provider if server else None,
            server.server_version if server and server.dialect == "postgresql" else None,
            server.describe() if server else None,
            list(config.stash.get(PASSED_OVER, ())),
            list(server.swept) if server else [],
            started,
            time.time() if started is not None else None,
            dialect=dialect,
            database_version=server.server_version if server else None,
        )

    def lines(self) -> list[str]:
        lines = [f"database: {self.database}"] if self.database else []
        lines.extend(f"database passed over: {reason}" for reason in self.passed_over)
        if self.swept:
            lines.append(f"database swept: {', '.join(self.swept)} (left by killed runs)")
        drivers = ", ".join(f"{name} {version}" for name, version in self.drivers.items())
        lines.append(f"sqlalchemy: {self.sqlalchemy}; drivers: {drivers}")
        return lines


def _driver_version(name: str) -> str:
    module = importlib.import_module(name)
    # PyMySQL's __version__ is the MySQLdb version it stands in for (2.2.x); its own is VERSION_STRING
    version = getattr(module, "VERSION_STRING", None) or getattr(module, "__version__", None)
    version = version or module.sqlite_version  # sqlite3: the SQLite library's
    return version.split()[0]  # psycopg2's carries its build options after it


@dataclass
class Results:
    """One run's results file: ``--spec-results=FILE`` writes it, the report reads it; both mask passwords."""

    run: RunFacts
    scenarios: list[ScenarioRecord]

    def write(self, path: Path) -> None:
        """Whole or not at all: written beside, flushed to disk, then renamed over the last results."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as beside:
            try:
                beside.write(json.dumps(secrets.masked(asdict(self)), indent=1))
                beside.flush()
                os.fsync(beside.fileno())
                os.chmod(beside.name, 0o644)  # as a plain write would leave it, not the temporary file's 0600
            except BaseException:
                os.unlink(beside.name)
                raise
        os.replace(beside.name, path)

    @classmethod
    def read(cls, path: Path) -> Results:
        document = json.loads(path.read_text())
        secrets.add_from_urls_in(document)  # a file written elsewhere: the passwords its URLs show are not known here
        document = secrets.masked(document)
        return cls(RunFacts(**document["run"]), [ScenarioRecord.from_json(record) for record in document["scenarios"]])
