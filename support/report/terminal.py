"""The specification as it reads, in the terminal: ``--spec-reporter=spec`` (what ``python3 dev.py spec`` passes).

Each Feature and Rule is printed once, its Background once, every scenario with its steps and its status, a
Scenario Outline once as its Examples table with a status per row (a column per flavour, sync and async, where it
runs twice), a failure with the step that failed, its error and the SQL each step sent, and at the end a summary
per feature. It reads the scenario records the collector attaches to each test's teardown report, so it works
the same under pytest-xdist (where features may then come back: they are marked "continued").

``--spec-reporter=gherkin`` is pytest-bdd's own reporter (``--gherkin-terminal-reporter -vv``), and
``--spec-reporter=pytest`` (the default of a plain ``pytest`` run) pytest's.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pytest
from _pytest.terminal import TerminalReporter
from pytest_bdd import gherkin_terminal_reporter
from pytest_bdd.parser import FeatureParser, ScenarioTemplate

from support.evidence import ScenarioRecord, StepRecord
from support.report import model

REPORTERS = ("spec", "gherkin", "pytest")
WORD = {"passed": "passed", "failed": "FAILED", "not_applicable": "not applicable", "skipped": "skipped",
        "collection_error": "FAILED (refused)"}  # fmt: skip
MARKUP = {"passed": {"green": True}, "failed": {"red": True, "bold": True}, "collection_error": {"red": True},
          "not_applicable": {"cyan": True}, "skipped": {"yellow": True}}  # fmt: skip
CELL = {"passed": "passed", "failed": "FAILED", "not_applicable": "n/a", "skipped": "skipped",
        "collection_error": "refused"}  # fmt: skip
SCENARIO_FUNCTION = "pytest_bdd/scenario.py"  # where every scenario's test function is defined
SUMMARY_COLUMNS = ("passed", "failed", "not_applicable", "skipped", "collection_error")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sqlalchemy-session-spec").addoption(
        "--spec-reporter",
        choices=REPORTERS,
        default="pytest",
        help="spec: the specification as it reads (python3 dev.py spec); gherkin: pytest-bdd's reporter; "
        "pytest: pytest's own (the default)",
    )


@pytest.hookimpl(trylast=True)  # once pytest's own reporter exists (and before the harness masks its writer)
def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("spec_reporter", "pytest")
    if choice == "gherkin" and not config.option.gherkin_terminal_reporter:
        config.option.gherkin_terminal_reporter = True
        config.option.verbose = max(config.option.verbose, 2)
        gherkin_terminal_reporter.configure(config)  # pytest-bdd's own, as --gherkin-terminal-reporter -vv does
    elif choice == "spec" and not config.option.gherkin_terminal_reporter:
        current = config.pluginmanager.getplugin("terminalreporter")
        if type(current) is TerminalReporter:  # another reporter (pytest-sugar, ...) keeps its place
            reporter = SpecReporter(config)
            reporter._tw = current._tw  # the same writer, whether or not the harness has masked it yet
            config.pluginmanager.unregister(current)
            config.pluginmanager.register(reporter, "terminalreporter")


@dataclass
class _Outline:
    """An outline's rows as they arrive; printed whole, as one table, once its last row has run."""

    key: tuple[str, int]
    records: list[ScenarioRecord] = field(default_factory=list)


class SpecReporter(TerminalReporter):
    def __init__(self, config: pytest.Config) -> None:
        super().__init__(config)
        self._show_progress_info = False  # no [ 42%]: the features are the progress
        self.status: dict[str, tuple[str, str | None]] = {}  # nodeid -> its worst phase's status and why, so far
        self.feature: str | None = None
        self.rule: str | None = None
        self.seen_features: set[str] = set()
        self.seen_backgrounds: set[tuple[str, tuple[int, ...]]] = set()
        self.outline: _Outline | None = None
        self.per_feature: dict[str, Counter] = {}
        self.parsed: dict[str, dict[int, ScenarioTemplate]] = {}  # feature file -> its scenarios by line

    def pytest_runtest_logstart(self, nodeid, location) -> None:
        """A scenario is printed when it has ended (no module path, no ``<- pytest_bdd/scenario.py``)."""
        if location[0].replace("\\", "/").endswith(SCENARIO_FUNCTION):
            self.status.setdefault(nodeid, ("passed", None))
        else:
            super().pytest_runtest_logstart(nodeid, location)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from support.report.collector import RECORD, WORST_FIRST, phase_status  # a plugin of its own, loaded later

        if report.nodeid not in self.status:
            return super().pytest_runtest_logreport(report)  # no scenario: a plain test
        recorded = next((value for name, value in report.user_properties if name == RECORD), None)
        self._tests_ran = True
        category, *_ = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        self._add_stats(category, [report])
        status, reason = phase_status(report)
        if status and WORST_FIRST.index(status) < WORST_FIRST.index(self.status[report.nodeid][0]):
            self.status[report.nodeid] = (status, reason)
        if recorded is not None:
            record = ScenarioRecord.from_json(json.loads(recorded))
            record.status, reason = self.status.pop(report.nodeid)
            if record.status in ("not_applicable", "skipped"):
                record.reason = reason
            else:
                record.error = record.error or reason
            self.show(record)

    def show(self, record: ScenarioRecord) -> None:
        if record.feature is None:
            return
        key = (record.feature.file, record.scenario.line)
        if self.outline and self.outline.key != key:
            self.flush_outline()
        self.per_feature.setdefault(record.feature.file, Counter())[record.status] += 1
        self.heading(record)
        if record.example is not None:
            self.outline = self.outline or _Outline(key)
            self.outline.records.append(record)
            return
        self.scenario(record)

    def heading(self, record: ScenarioRecord) -> None:
        feature, rule = record.feature, record.rule.name if record.rule else None
        if feature.file != self.feature:
            self.ensure_newline()
            again = " (continued)" if feature.file in self.seen_features else ""
            self._tw.line()
            self._tw.line(f"Feature: {feature.name}{again}", blue=True, bold=True)
            self._tw.line(f"  features/{feature.file}", light=True)
            self.feature, self.rule = feature.file, None
            self.seen_features.add(feature.file)
        background = tuple(step.line for step in record.steps if step.line < record.scenario.line)
        if background and (feature.file, background) not in self.seen_backgrounds:
            self.seen_backgrounds.add((feature.file, background))
            self._tw.line("  Background:")  # the feature's: before its rules, as written
            for step in record.steps[: len(background)]:
                self._tw.line(f"    {step.keyword} {step.text}")
        if rule != self.rule:
            self.rule = rule
            if rule:
                self._tw.line(f"  Rule: {rule}", purple=True, bold=True)

    @property
    def indent(self) -> str:
        return "    " if self.rule else "  "

    def own_steps(self, record: ScenarioRecord) -> list[tuple[int, StepRecord]]:
        return [(index, step) for index, step in enumerate(record.steps) if step.line >= record.scenario.line]

    def scenario(self, record: ScenarioRecord) -> None:
        indent, markup = self.indent, MARKUP.get(record.status, {})
        self._tw.write(f"{indent}Scenario: {record.scenario.name}{flavour_of(record)}  ")
        self._tw.line(WORD.get(record.status, record.status), **markup)
        if record.status in ("not_applicable", "skipped"):
            self._tw.line(f"{indent}  ({record.reason})", light=True)
            return
        self.steps(record, self.own_steps(record), indent + "  ")

    def steps(self, record: ScenarioRecord, steps: list[tuple[int, StepRecord]], indent: str) -> None:
        failed = record.status in ("failed", "collection_error")
        for _, step in steps:
            self._tw.line(f"{indent}{step.keyword} {step.text}", **(MARKUP["failed"] if step.error else {}))
            for row in step.datatable or []:
                self._tw.line(f"{indent}  | {' | '.join(row)} |")
            if failed:
                self.evidence(step, indent + "    ")
        if failed and record.error and not any(step.error for step in record.steps):
            self._tw.line(first_lines(record.error, indent + "  "), red=True)

    def evidence(self, step: StepRecord, indent: str) -> None:
        """Under each step of a failed scenario: what it sent, and its error."""
        if step.status == "not_run":
            self._tw.line(f"{indent}(not run)", light=True)
        for entry in step.sql:
            self._tw.line(f"{indent}SQL {' '.join(entry.text.split())}", light=True)
        if step.error:
            self._tw.line(first_lines(step.error, indent), red=True)

    def flush_outline(self) -> None:
        outline, self.outline = self.outline, None
        if not outline or not outline.records:
            return
        first = outline.records[0]
        indent = self.indent
        template = self.template(first)
        self._tw.line(f"{indent}Scenario Outline: {template.name if template else first.scenario.name}")
        written = {step.line_number: step.name for step in template.steps} if template else {}
        for _, step in self.own_steps(first):
            self._tw.line(f"{indent}  {step.keyword} {written.get(step.line, step.text)}")
        for name, records in examples_blocks(outline.records, template):
            self._tw.line(f"{indent}  Examples: {name}".rstrip())
            for line in examples_table(records):
                self._tw.line(f"{indent}    {line}")
        for record in outline.records:
            if record.status in ("failed", "collection_error"):
                values = " | ".join(str(value) for value in record.example.values())
                self._tw.line(f"{indent}  Example | {values} |{flavour_of(record)}  FAILED", **MARKUP["failed"])
                self.steps(record, self.own_steps(record), indent + "    ")

    def template(self, record: ScenarioRecord) -> ScenarioTemplate | None:
        """The outline as written: steps with their <placeholders> (the record has them filled in), its Examples."""
        file = record.feature.file
        if file not in self.parsed:
            base = str(self.config.rootpath / self.config.getini("bdd_features_base_dir"))
            self.parsed[file] = {
                scenario.line_number: scenario for scenario in FeatureParser(base, file).parse().scenarios.values()
            }
        return self.parsed[file].get(record.scenario.line)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session, exitstatus):
        self.flush_outline()  # the last outline's table, before the summaries
        return (yield from super().pytest_sessionfinish(session, exitstatus))

    def summary_stats(self) -> None:
        if self.per_feature:
            self.write_sep("-", "per feature")
            header = "  ".join(f"{WORD[column]:>14}" for column in SUMMARY_COLUMNS)
            self._tw.line(f"{header}  feature")
            for file, counts in self.per_feature.items():
                cells = "  ".join(f"{counts.get(column, 0) or '':>14}" for column in SUMMARY_COLUMNS)
                self._tw.line(f"{cells}  {file}", **(MARKUP["failed"] if counts["failed"] else {}))
        super().summary_stats()


def flavour_of(record: ScenarioRecord) -> str:
    flavour = flavour_name(record)
    return f" ({flavour})" if flavour else ""


def flavour_name(record: ScenarioRecord) -> str | None:
    return model.flavour_of(record.nodeid)


def examples_table(records: list[ScenarioRecord]) -> list[str]:
    """The Examples rows in the order they ran, each with a status per flavour (one "status" column without)."""
    columns = list(records[0].example)
    flavours = list(dict.fromkeys(flavour_name(record) or "status" for record in records))
    rows: dict[tuple, dict[str, str]] = {}
    for record in records:
        values = tuple(str(record.example.get(column, "")) for column in columns)
        rows.setdefault(values, {})[flavour_name(record) or "status"] = CELL.get(record.status, record.status)
    table = [columns + [column_title(flavour, records) for flavour in flavours]] + [
        list(values) + [cells.get(f, "") for f in flavours] for values, cells in rows.items()
    ]
    widths = [max(len(row[index]) for row in table) for index in range(len(table[0]))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |" for row in table
    ]
    return lines


def column_title(flavour: str, records: list[ScenarioRecord]) -> str:
    """A status column's title: "status" alone; beside another driver's column, the default driver's name."""
    if flavour != "status" or all(flavour_name(record) is None for record in records):
        return flavour
    return next(record.driver for record in records if flavour_name(record) is None) or "status"


def examples_blocks(records: list[ScenarioRecord], template: ScenarioTemplate | None) -> list[tuple[str, list]]:
    """The rows of each named Examples table, in the feature's order (one unnamed block if it cannot be told)."""
    blocks: dict[int, tuple[str, list]] = {}
    for record in records:
        values = [str(value) for value in record.example.values()]
        found = next(
            (index for index, examples in enumerate(template.examples if template else [])
             if any([str(value) for value in row] == values for row in examples.examples)),
            -1,
        )  # fmt: skip
        name = template.examples[found].name or "" if found >= 0 else ""
        blocks.setdefault(found, (name, []))[1].append(record)
    return [blocks[index] for index in sorted(blocks)]


def first_lines(error: str, indent: str, limit: int = 8) -> str:
    """An error's first lines, indented under its step (the whole traceback is in pytest's FAILURES section)."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    lines = lines[:limit] + (["..."] if len(lines) > limit else [])
    return "\n".join(indent + line for line in lines)
