"""What the living documentation shows: every line's results merged into one view.

A ``Run`` per SQLAlchemy line; a ``Row`` per scenario (an outline's example row and each flavour its own) with a
``Cell`` per line; each row's steps with the SQL every line's run of them sent; the features with their rules;
and whether a cell starts or stops applying at its line (the upgrade guide, ``upgrading.py``, reads that). The
templates only loop over this and test its fields.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from support import databases, drivers
from support.evidence import FeatureFacts, Results, RunFacts, ScenarioRecord

# sqlalchemy-<line>.json (PostgreSQL's) and sqlalchemy-<line>-<database>.json (support.databases.results_name)
RESULTS_FILE = re.compile(r"sqlalchemy-(?P<line>.+?)(?:-(?P<database>" + "|".join(databases.NAMES) + r"))?\.json")

# A cell's state, worst first; "changed" marks a cell whose applicability differs from the line before it.
STATES = {
    "fails": "fails: the scenario failed, or could not run (a collection or guard error)",
    "skipped": "skipped for another reason, shown on the cell",
    "not_applicable": "not applicable: the scenario describes other SQLAlchemy versions or another database (its tag)",
    "passed": "passed: the behaviour holds on this version",
    "absent": "not run on this line",
}
STATE_OF_STATUS = {"passed": "passed", "failed": "fails", "collection_error": "fails"}


@dataclass
class Run:
    line: str
    facts: RunFacts
    scenarios: dict[str, ScenarioRecord]  # by node id
    database: str = databases.DEFAULT
    database_shown: bool = False  # the site has runs on more than one database: each column names its own

    @property
    def database_name(self) -> str:
        return databases.NAMES[self.database]

    @property
    def database_version(self) -> str | None:
        """The version the run's database reported; from its description in results written before the field."""
        if self.facts.database_version or self.facts.postgresql:
            return self.facts.database_version or self.facts.postgresql
        described = re.search(rf"\b{self.database_name} (\S+)", self.facts.database or "")
        return described[1] if described else None

    @property
    def server(self) -> str:
        """The run's database as the runs table shows it: "embedded PostgreSQL 18.6", "SQLite 3.40.1"."""
        provider = self.facts.provider if self.facts.provider not in (None, self.database) else None
        return " ".join(filter(None, [provider, self.database_name, self.database_version]))

    @property
    def column(self) -> str:
        """The line, and the database when the site has more than one: "2.1 SQLite"."""
        return f"{self.line} {self.database_name}" if self.database_shown else self.line

    @property
    def file_stem(self) -> str:
        """The results file's name without ``.json`` (a Cucumber JSON of the run is named alike)."""
        return databases.results_name(self.line, self.database).removesuffix(".json")

    @property
    def version_heading(self) -> str:
        """The line, or for a custom run (spec-custom) the version it ran, "custom (2.1.0b4)"."""
        return self.line if line_order(self.line)[0] == 0 else f"{self.line} ({self.facts.sqlalchemy})"

    @property
    def heading(self) -> str:
        """The column's name: its version heading, and its database when the site has more than one."""
        return f"{self.version_heading} {self.database_name}" if self.database_shown else self.version_heading

    @property
    def not_reached(self) -> str | None:
        """Why a scenario missing from this run is missing, when the run says it was partial."""
        return None if self.facts.complete else f"not run: a partial run ({self.facts.partial})"


@dataclass
class Cell:
    line: str
    state: str
    reason: str | None = None
    changed: str | None = None  # "starts" or "stops": applicability differs from the previous line
    record: ScenarioRecord | None = None

    @property
    def label(self) -> str:
        if self.changed:  # compared with the line before on the same database, which the column's heading names
            version = self.line.split(" ", 1)[0]  # a column is "<line>", or "<line> <database>"
            return f"changed in {version}" + (" (new)" if self.changed == "starts" else " (no longer)")
        return {"not_applicable": "not applicable", "absent": "not run"}.get(self.state, self.state)


@dataclass
class LineText:
    """Something one line's run said: a step's SQL, or its error."""

    line: str
    text: str


@dataclass
class StepView:
    """A step as the feature page shows it: its words, and what each line's run of it sent or raised."""

    keyword: str
    text: str
    status: str
    datatable: list[list[str]] | None
    sql: list[LineText]  # lines whose run of the step sent SQL, one statement a line
    errors: list[LineText]
    docstring: str | None = None


@dataclass
class Row:
    nodeid: str
    feature_file: str
    feature_name: str
    rule: str | None
    title: str
    line_number: int
    collected_at: int  # orders an outline's example rows and flavours as written, whatever order they ran in
    name: str = ""  # the scenario's name, an outline's placeholders filled in, without the flavour
    example: dict[str, str] | None = None  # an outline's example row, column -> value
    flavour: str | None = None  # sync or async, for a scenario that runs twice
    cells: list[Cell] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Its id on the feature page, from its names alone: the same on every render."""
        return anchor_of(self.name, list((self.example or {}).values()), self.flavour)

    @property
    def page(self) -> str:
        return feature_page(self.feature_file)

    def representative(self) -> ScenarioRecord | None:
        """The record whose steps the feature page shows: the newest line on which the scenario ran."""
        ran = [cell.record for cell in self.cells if cell.record and cell.state in ("passed", "fails")]
        recorded = [cell.record for cell in self.cells if cell.record and cell.record.steps]
        return (ran or recorded or [None])[-1]


@dataclass
class Rule:
    name: str | None
    description: str | None
    rows: list[Row]
    blocks: list = field(default_factory=list)  # its scenarios and outlines, once each (support.report.scenarios)


@dataclass
class Feature:
    file: str
    page: str
    name: str
    description: str
    tags: list[str]
    rules: list[Rule]
    rows: list[Row]
    blocks: list = field(default_factory=list)  # every rule's blocks, in order

    @property
    def area(self) -> str:
        return self.file.split("/", 1)[0] if "/" in self.file else ""


@dataclass
class CollectionError:
    line: str
    nodeid: str
    error: str


@dataclass
class Site:
    runs: list[Run]
    rows: list[Row]
    features: list[Feature]
    collection_errors: list[CollectionError]


@functools.lru_cache(maxsize=64)
def line_order(line: str) -> tuple:
    try:
        return (0, Version(line))
    except InvalidVersion:
        return (1, line)  # "custom" and other names after the numbered lines


def load_runs(results: Path) -> list[Run]:
    runs = []
    for path in results.glob("sqlalchemy-*.json"):
        document = Results.read(path)
        scenarios = {record.nodeid: record for record in document.scenarios}
        named = RESULTS_FILE.fullmatch(path.name)
        runs.append(Run(named["line"], document.run, scenarios, named["database"] or databases.DEFAULT))
    if not runs:
        raise SystemExit(f"no results in {results}: run the specification first (python3 dev.py spec)")
    for run in runs:
        run.database_shown = len({run.database for run in runs}) > 1
    order = list(databases.NAMES)  # PostgreSQL's columns first, then each other database's, by line
    return sorted(runs, key=lambda run: (order.index(run.database), line_order(run.line)))


def site(results: Path) -> Site:
    runs = load_runs(results)
    rows = build_rows(runs)
    return Site(runs, rows, features_in_order(rows), collection_errors(runs))


def feature_page(feature_file: str) -> str:
    return "features/" + feature_file.removesuffix(".feature").replace("/", "--") + ".html"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def anchor_of(name: str, values: list[str] = (), flavour: str | None = None) -> str:
    """An id made of a scenario's name (and an example row's values): a long one keeps a readable start and a
    digest of the whole, so it stays unique and the same on every render."""
    key = slug(" ".join([name, *values]))
    if len(key) > 96:
        key = key[:80].rstrip("-") + "-" + hashlib.sha1(key.encode()).hexdigest()[:10]
    return "s-" + key + (f"-{flavour}" if flavour else "")


def flavour_of(nodeid: str) -> str | None:
    """sync or async, for a scenario that runs twice; with the driver (``sync-psycopg``, or ``psycopg`` alone where
    only the sync flavour runs) for a feature's run on every sync driver that is not on the default driver (whose
    node ids are as they always were)."""
    flavour = _FLAVOUR.search(nodeid)
    return "-".join(filter(None, flavour.groups())) or None if flavour else None


_OTHER_DRIVERS = "|".join(re.escape(driver) for driver in drivers.DIALECTS if driver != drivers.DEFAULT)
_FLAVOUR = re.compile(rf"\[(sync|async)?\b-?({_OTHER_DRIVERS})?\b")


def name_of(record: ScenarioRecord) -> str:
    """The scenario's name, an outline's <placeholders> filled in from its example row."""
    name = record.scenario.name
    for key, value in (record.example or {}).items():
        name = name.replace(f"<{key}>", str(value))
    return name


def title_of(record: ScenarioRecord) -> str:
    """The scenario's name with its flavour, as a list of scenarios names one run; with its driver, where its
    feature runs on every sync driver."""
    flavour = re.search(r"\[(sync|async)\b", record.nodeid)
    shown = [flavour[1]] if flavour else []
    if record.driver and record.feature and drivers.MARKER in record.feature.tags:
        shown.append(record.driver)
    return f"{name_of(record)} ({', '.join(shown)})" if shown else name_of(record)


def build_rows(runs: list[Run]) -> list[Row]:
    rows: dict[str, Row] = {}
    for run in runs:
        for nodeid, record in run.scenarios.items():
            if nodeid not in rows and record.feature:
                rows[nodeid] = Row(
                    nodeid,
                    record.feature.file,
                    record.feature.name,
                    record.rule.name if record.rule else None,
                    title_of(record),
                    record.scenario.line,
                    record.collected_at or 0,
                    name_of(record),
                    record.example,
                    flavour_of(nodeid),
                )
    for row in rows.values():
        row.cells = cells_of(row.nodeid, runs)
        row.steps = steps_of(row)
    return sorted(rows.values(), key=lambda row: (row.feature_file, row.line_number, row.collected_at))


def cells_of(nodeid: str, runs: list[Run]) -> list[Cell]:
    cells: list[Cell] = []
    for run in runs:
        record = run.scenarios.get(nodeid)
        state = STATE_OF_STATUS.get(record.status, record.status) if record else "absent"
        reason = (record.reason or record.error) if record else run.not_reached
        cell = Cell(run.column, state, reason, None, record)
        previous = cells[-1] if cells and runs[len(cells) - 1].database == run.database else None
        if previous is not None and "absent" not in (previous.state, state):
            applied_before, applies_now = previous.state != "not_applicable", state != "not_applicable"
            if applied_before != applies_now:
                cell.changed = "starts" if applies_now else "stops"
        cells.append(cell)
    return cells


def steps_of(row: Row) -> list[StepView]:
    """The representative record's steps, each with the SQL and the error of every line's run of it."""
    record = row.representative()
    views = []
    for index, step in enumerate(record.steps if record else []):
        runs = [
            (cell.line, cell.record.steps[index])
            for cell in row.cells
            if cell.record and len(cell.record.steps) > index
        ]
        sql = [LineText(line, "".join(f"{entry.text}\n" for entry in ran.sql)) for line, ran in runs if ran.sql]
        errors = [LineText(line, ran.error) for line, ran in runs if ran.error]
        views.append(StepView(step.keyword, step.text, step.status, step.datatable, sql, errors, step.docstring))
    return views


def collection_errors(runs: list[Run]) -> list[CollectionError]:
    """Test modules that could not even be collected: no scenario of theirs ran, so they have no row."""
    return [
        CollectionError(run.column, nodeid, record.error or "")
        for run in runs
        for nodeid, record in run.scenarios.items()
        if not record.feature
    ]


def features_in_order(rows: list[Row]) -> list[Feature]:
    """Each feature with its prose and rules, and its rows grouped by rule."""
    by_file: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_file[row.feature_file].append(row)
    features = []
    for feature_file, feature_rows in sorted(by_file.items()):
        facts = _feature_facts(feature_rows[0])
        rules: dict[str | None, Rule] = {}
        for row in feature_rows:
            rule = rules.setdefault(row.rule, Rule(row.rule, None, []))
            record = row.representative()
            rule.description = rule.description or (record.rule.description if record and record.rule else None)
            rule.rows.append(row)
        features.append(
            Feature(
                feature_file,
                feature_page(feature_file),
                feature_rows[0].feature_name,
                facts.description,
                facts.tags,
                list(rules.values()),
                feature_rows,
            )
        )
    return features


def _feature_facts(row: Row) -> FeatureFacts:
    record = row.representative() or next(cell.record for cell in reversed(row.cells) if cell.record)
    return record.feature
