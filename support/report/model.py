"""What the living documentation shows: every line's results merged into one view.

A ``Run`` per SQLAlchemy line; a ``Row`` per scenario (an outline's example row and each flavour its own) with a
``Cell`` per line; each row's steps with the SQL every line's run of them sent; the features with their rules;
and the changes from one line to the next. The templates only loop over this and test its fields.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from support.evidence import FeatureFacts, Results, RunFacts, ScenarioRecord

RESULTS_FILE = re.compile(r"sqlalchemy-(?P<line>.+)\.json")

# A cell's state, worst first; "changed" marks a cell whose applicability differs from the line before it.
STATES = {
    "fails": "fails: the scenario failed, or could not run (a collection or guard error)",
    "skipped": "skipped for another reason, shown on the cell",
    "not_applicable": "not applicable: the scenario describes other SQLAlchemy versions (its version tag)",
    "passed": "passed: the behaviour holds on this version",
    "absent": "not run on this line",
}
STATE_OF_STATUS = {"passed": "passed", "failed": "fails", "collection_error": "fails"}


@dataclass
class Run:
    line: str
    facts: RunFacts
    scenarios: dict[str, ScenarioRecord]  # by node id

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
        if self.changed:
            return f"changed in {self.line}" + (" (new)" if self.changed == "starts" else " (no longer)")
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
    cells: list[Cell] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "s-" + re.sub(r"[^a-z0-9]+", "-", self.nodeid.split("::", 1)[-1].lower()).strip("-")[:120]

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


@dataclass
class Feature:
    file: str
    page: str
    name: str
    description: str
    tags: list[str]
    rules: list[Rule]
    rows: list[Row]


@dataclass
class ChangeGroup:
    heading: str
    rows: list[Row]


@dataclass
class Change:
    """From one line to the next: behaviours that start or stop there, and scenarios whose outcome differs."""

    before: str
    after: str
    groups: list[ChangeGroup]  # only those with rows


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
    changes: list[Change]
    collection_errors: list[CollectionError]


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
        runs.append(Run(RESULTS_FILE.fullmatch(path.name)["line"], document.run, scenarios))
    if not runs:
        raise SystemExit(f"no results in {results}: run the specification first (python3 dev.py spec)")
    return sorted(runs, key=lambda run: line_order(run.line))


def site(results: Path) -> Site:
    runs = load_runs(results)
    rows = build_rows(runs)
    return Site(runs, rows, features_in_order(rows), changes(rows, runs), collection_errors(runs))


def feature_page(feature_file: str) -> str:
    return "features/" + feature_file.removesuffix(".feature").replace("/", "--") + ".html"


def title_of(record: ScenarioRecord) -> str:
    """The scenario's name, an outline's <placeholders> filled in from its example row, and its flavour."""
    name = record.scenario.name
    for key, value in (record.example or {}).items():
        name = name.replace(f"<{key}>", str(value))
    flavour = re.search(r"\[(sync|async)\b", record.nodeid)
    return f"{name} ({flavour[1]})" if flavour else name


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
        cell = Cell(run.line, state, reason, None, record)
        previous = cells[-1] if cells else None
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
        CollectionError(run.line, nodeid, record.error or "")
        for run in runs
        for nodeid, record in run.scenarios.items()
        if not record.feature
    ]


def changes(rows: list[Row], runs: list[Run]) -> list[Change]:
    found = []
    for index in range(1, len(runs)):
        before, after = runs[index - 1].line, runs[index].line
        differs = [
            row
            for row in rows
            if not row.cells[index].changed
            and {row.cells[index - 1].state, row.cells[index].state} - {"absent", "not_applicable"}
            and row.cells[index - 1].state != row.cells[index].state
        ]
        groups = [
            ChangeGroup(f"Starts being true in {after}", [row for row in rows if row.cells[index].changed == "starts"]),
            ChangeGroup(f"No longer true in {after}", [row for row in rows if row.cells[index].changed == "stops"]),
            ChangeGroup("Outcome differs (passed on one line, fails or is skipped on the other)", differs),
        ]
        found.append(Change(before, after, [group for group in groups if group.rows]))
    return found


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
