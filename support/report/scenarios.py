"""A feature page's scenarios as a reader meets them: a scenario once, however many flavours ran it, and a Scenario
Outline once, as its Examples tables, each example row with a status per SQLAlchemy line (and per flavour).

The model's ``Row`` is one test: one scenario, example row and flavour. Here the rows of one scenario (or one
example row) become an ``Example`` with a status ``Column`` per line and flavour, and the examples of one outline
become an ``Outline`` of ``ExamplesTable``s. The outline's own wording (its name and steps with <placeholders>,
its tables' names) comes from the feature file, parsed as pytest-bdd parses it; when the file is gone or has
changed since the run, the tables are rebuilt from the example rows the results hold.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pytest_bdd.parser import FeatureParser, ScenarioTemplate

from support.report.model import STATES, Cell, Feature, LineText, Row, Run, StepView, anchor_of

FEATURES = Path(__file__).resolve().parent.parent.parent / "features"
WORST_FIRST = list(STATES)


@dataclass
class Column:
    """A status column: a SQLAlchemy line, and the flavour when the scenario runs with Session and AsyncSession."""

    line: str
    heading: str
    flavour: str | None = None
    partial: str | None = None  # why the line's run was partial

    @property
    def label(self) -> str:
        return f"{self.heading} {self.flavour}" if self.flavour else f"SQLAlchemy {self.heading}"


@dataclass
class Example:
    """One scenario, or one example row of an outline, with its flavours' rows merged."""

    name: str
    anchor: str
    values: list[str]
    rows: list[Row]  # one per flavour, sync first
    cells: list[Cell]  # one per column of its scenario or outline
    steps: list[StepView]

    @property
    def reasons(self) -> list[LineText]:
        """Why a line did not pass, once per line and reason."""
        flavours: dict[tuple[str, str], list[str]] = {}  # (line, reason) -> the flavours it was given for
        for row in self.rows:
            for cell in row.cells:
                if cell.reason and cell.state != "passed":
                    flavours.setdefault((cell.line, cell.reason), []).append(row.flavour or "")
        return [
            LineText(line if len(found) == len(self.rows) else f"{line} {' and '.join(found)}", reason)
            for (line, reason), found in flavours.items()
        ]

    @property
    def search(self) -> str:
        return " ".join([self.name, *self.values]).lower()


@dataclass
class Scenario:
    """A scenario that is no outline: one card on its feature page."""

    example: Example
    columns: list[Column]
    kind: str = "scenario"

    @property
    def title(self) -> str:
        return self.example.name

    @property
    def anchor(self) -> str:
        return self.example.anchor

    @property
    def examples(self) -> list[Example]:
        return [self.example]


@dataclass
class ExamplesTable:
    name: str | None
    anchor: str
    headings: list[str]
    examples: list[Example] = field(default_factory=list)

    @property
    def varying(self) -> list[int]:
        """The columns whose value differs between rows; one that is the same in every row is said once, above."""
        if len(self.examples) < 2:
            return list(range(len(self.headings)))
        return [i for i in range(len(self.headings)) if len({e.values[i] for e in self.examples}) > 1]

    @property
    def fixed(self) -> list[tuple[str, str]]:
        varying = self.varying
        return [(h, self.examples[0].values[i]) for i, h in enumerate(self.headings) if i not in varying]


@dataclass
class Outline:
    """A Scenario Outline, once: its steps with their placeholders, then its Examples tables."""

    title: str
    anchor: str
    steps: list[str]  # keyword and text, <placeholders> kept
    tables: list[ExamplesTable]
    columns: list[Column]
    kind: str = "outline"

    @property
    def examples(self) -> list[Example]:
        return [example for table in self.tables for example in table.examples]


@dataclass
class Summary:
    """One line's cell in the index for a scenario or a whole outline: the worst state and what the cells say."""

    line: str  # the run's column: "2.1", or "2.1 SQLite" where the site has more than one database
    state: str
    label: str
    states: list[str]  # every state of the line's cells, and "changed" when one changed there
    title: str
    version: str = ""  # the SQLAlchemy line alone, and the database: what the index's filters match
    database: str = ""


def arrange(features: list[Feature], runs: list[Run]) -> None:
    """Fill every feature's and rule's ``blocks``: its scenarios and outlines, in the order of the file."""
    for feature in features:
        feature.blocks = []
        for rule in feature.rules:
            rule.blocks = blocks_of(feature.file, rule.rows, runs)
            feature.blocks.extend(rule.blocks)


def blocks_of(feature_file: str, rows: list[Row], runs: list[Run]) -> list[Scenario | Outline]:
    by_scenario: dict[tuple, list[Row]] = {}  # an outline's rows share its line; a scenario's flavours its name too
    for row in rows:
        by_scenario.setdefault((row.line_number, row.example is None and row.name), []).append(row)
    blocks: list[Scenario | Outline] = []
    for (line_number, _), scenario_rows in by_scenario.items():
        if scenario_rows[0].example is not None:
            blocks.append(outline_of(feature_file, line_number, scenario_rows, runs))
        else:
            columns = columns_of(scenario_rows, runs)
            blocks.append(Scenario(example_of(scenario_rows, columns), columns))
    return blocks


def columns_of(rows: list[Row], runs: list[Run]) -> list[Column]:
    flavours = sorted({row.flavour for row in rows}, key=lambda flavour: (flavour != "sync", flavour or ""))
    if len(flavours) == 1:
        flavours = [None]
    return [Column(run.column, run.heading, flavour, _partial(run)) for run in runs for flavour in flavours]


def _partial(run: Run) -> str | None:
    return None if run.facts.complete else run.facts.partial


def example_of(rows: list[Row], columns: list[Column]) -> Example:
    rows = sorted(rows, key=lambda row: (row.flavour != "sync", row.collected_at))
    first = rows[0]
    values = list((first.example or {}).values())
    cells = []
    for column in columns:
        row = next((row for row in rows if row.flavour == column.flavour or column.flavour is None), None)
        cell = next((cell for cell in row.cells if cell.line == column.line), None) if row else None
        cells.append(cell or Cell(column.line, "absent", "not run in this flavour"))
    return Example(first.name, anchor_of(first.name, values), values, rows, cells, merged_steps(rows))


def merged_steps(rows: list[Row]) -> list[StepView]:
    """The first flavour's steps; another flavour's SQL and errors added, labelled, where they differ."""
    steps = [
        StepView(s.keyword, s.text, s.status, s.datatable, list(s.sql), list(s.errors), s.docstring)
        for s in rows[0].steps
    ]
    for row in rows[1:]:
        for step, other in zip(steps, row.steps, strict=False):
            step.status = "failed" if "failed" in (step.status, other.status) else step.status
            for kind in ("sql", "errors"):
                shown = {entry.line: entry.text for entry in getattr(step, kind)}  # compared, never hashed: long SQL
                for entry in getattr(other, kind):
                    if shown.get(entry.line) != entry.text:
                        getattr(step, kind).append(LineText(f"{entry.line} ({row.flavour})", entry.text))
    return steps


def outline_of(feature_file: str, line_number: int, rows: list[Row], runs: list[Run]) -> Outline:
    columns = columns_of(rows, runs)
    by_values: dict[tuple, list[Row]] = {}
    for row in sorted(rows, key=lambda row: row.collected_at):
        by_values.setdefault(tuple((row.example or {}).items()), []).append(row)
    examples = [example_of(example_rows, columns) for example_rows in by_values.values()]
    template = template_at(feature_file, line_number)
    keys = list(rows[0].example or {})
    if template is None or not all(_listed(template, example, keys) for example in examples):
        title = _placeholders_back(rows[0].name, rows[0].example or {})
        table = ExamplesTable(None, anchor_of(title, ["examples"]), keys, examples)
        return Outline(title, anchor_of(title), [], [table], columns)
    tables = []
    for examples_table in template.examples:
        name = examples_table.name or None
        table = ExamplesTable(name, anchor_of(template.name, [name or "examples"]), examples_table.example_params)
        taken = {id(example) for example in _taken(tables)}
        table.examples = [e for e in examples if e.values in examples_table.examples and id(e) not in taken]
        tables.append(table)
    steps = [f"{step.keyword} {step.name}" for step in template._steps]  # the outline's own, not the Background's
    return Outline(template.name, anchor_of(template.name), steps, [t for t in tables if t.examples], columns)


def _taken(tables: list[ExamplesTable]) -> list[Example]:
    return [example for table in tables for example in table.examples]


def _listed(template: ScenarioTemplate, example: Example, keys: list[str]) -> bool:
    return any(table.example_params == keys and example.values in table.examples for table in template.examples)


def _placeholders_back(name: str, example: dict[str, str]) -> str:
    """Without the feature file: the outline's name with each value that fills it turned back into <its column>."""
    for key, value in sorted(example.items(), key=lambda item: -len(item[1])):
        if value:
            name = name.replace(value, f"<{key}>")
    return name


def template_at(feature_file: str, line_number: int) -> ScenarioTemplate | None:
    return _templates(feature_file).get(line_number)


@functools.cache
def _templates(feature_file: str) -> dict[int, ScenarioTemplate]:
    """The outlines of a feature file by line, as pytest-bdd parses them; none when the file is not here."""
    if not (FEATURES / feature_file).is_file():
        return {}
    try:
        feature = FeatureParser(str(FEATURES), feature_file).parse()
    except Exception:  # a file changed since the run into one that no longer parses: the results still render
        return {}
    return {template.line_number: template for template in feature.scenarios.values() if template.templated}


def summary(block: Scenario | Outline, runs: list[Run]) -> list[Summary]:
    """The index's cells for a block: per line, its cells (all flavours, all example rows) summed up."""
    summaries = []
    for run in runs:
        line = run.column
        cells = [cell for example in block.examples for row in example.rows for cell in row.cells if cell.line == line]
        states = sorted({cell.state for cell in cells}, key=WORST_FIRST.index)
        state = states[0] if states else "absent"
        labels = Counter(cell.label for cell in cells)
        if len(cells) == 1 or len(labels) == 1:
            label = next(iter(labels), "not run")
        else:
            label = ", ".join(f"{count} {label}" for label, count in labels.items())
        changed = any(cell.changed for cell in cells)
        reasons = sorted({cell.reason for cell in cells if cell.reason and cell.state != "passed"})
        title = STATES[state] + (" — " + "; ".join(reasons)[:300] if reasons else "")
        states = [*states, *(["changed"] if changed else [])]
        summaries.append(Summary(line, state, label, states, title, run.line, run.database))
    return summaries


def search_text(feature: Feature, block: Scenario | Outline) -> str:
    words = [feature.name, feature.file, block.title, *(e.search for e in block.examples), *block_steps(block)]
    return re.sub(r"\s+", " ", " ".join(words).lower())


def block_steps(block: Scenario | Outline) -> list[str]:
    return block.steps if isinstance(block, Outline) else [step.text for step in block.example.steps]
