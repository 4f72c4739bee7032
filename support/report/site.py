"""The living documentation: a static site rendered from the results of every SQLAlchemy line.

    python -m support.report.site [--results DIR] [--out DIR]

reads ``results/sqlalchemy-<line>.json`` (written by ``--spec-results``), merges the lines into one scenario x
version grid, and writes ``site/``: an index with the grid, a page per feature with its prose, rules, steps and
the SQL each step sent, a step catalogue generated from the step definitions, a page of what changed between
versions, and Cucumber JSON per line. Plain HTML with inline CSS: it opens from disk, offline.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from packaging.version import InvalidVersion, Version

from support.report.cucumber import cucumber_document

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
RESULTS_FILE = re.compile(r"sqlalchemy-(?P<line>.+)\.json")
PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*):[^@\s]*@")

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
    facts: dict
    scenarios: dict[str, dict]


@dataclass
class Cell:
    line: str
    state: str
    reason: str | None = None
    changed: str | None = None  # "starts" or "stops": applicability differs from the previous line
    record: dict | None = None

    @property
    def label(self) -> str:
        if self.changed:
            return f"changed in {self.line}" + (" (new)" if self.changed == "starts" else " (no longer)")
        return {"not_applicable": "not applicable", "absent": "not run"}.get(self.state, self.state)


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

    @property
    def anchor(self) -> str:
        return "s-" + re.sub(r"[^a-z0-9]+", "-", self.nodeid.split("::", 1)[-1].lower()).strip("-")[:120]

    @property
    def page(self) -> str:
        return feature_page(self.feature_file)

    def representative(self) -> dict | None:
        """The record whose steps the feature page shows: the newest line on which the scenario ran."""
        ran = [cell.record for cell in self.cells if cell.record and cell.state in ("passed", "fails")]
        recorded = [cell.record for cell in self.cells if cell.record and cell.record.get("steps")]
        return (ran or recorded or [None])[-1]


def line_order(line: str) -> tuple:
    try:
        return (0, Version(line))
    except InvalidVersion:
        return (1, line)  # "custom" and other names after the numbered lines


def load_runs(results: Path) -> list[Run]:
    runs = []
    for path in results.glob("sqlalchemy-*.json"):
        match = RESULTS_FILE.fullmatch(path.name)
        document = redacted(json.loads(path.read_text()))
        scenarios = {record["nodeid"]: record for record in document["scenarios"]}
        runs.append(Run(match["line"], document["run"], scenarios))
    if not runs:
        raise SystemExit(f"no results in {results}: run the specification first (python3 dev.py spec)")
    return sorted(runs, key=lambda run: line_order(run.line))


def feature_page(feature_file: str) -> str:
    return "features/" + feature_file.removesuffix(".feature").replace("/", "--") + ".html"


def title_of(record: dict) -> str:
    """The scenario's name, an outline's <placeholders> filled in from its example row, and its flavour."""
    name = record["scenario"]["name"]
    for key, value in (record.get("example") or {}).items():
        name = name.replace(f"<{key}>", str(value))
    flavour = re.search(r"\[(sync|async)\b", record["nodeid"])
    return f"{name} ({flavour[1]})" if flavour else name


def build_rows(runs: list[Run]) -> list[Row]:
    rows: dict[str, Row] = {}
    for run in runs:
        for nodeid, record in run.scenarios.items():
            if nodeid not in rows and "feature" in record:
                rows[nodeid] = Row(
                    nodeid,
                    record["feature"]["file"],
                    record["feature"]["name"],
                    (record.get("rule") or {}).get("name"),
                    title_of(record),
                    record["scenario"]["line"],
                    record.get("collected_at") or 0,
                )
    for row in rows.values():
        previous = None
        for run in runs:
            record = run.scenarios.get(row.nodeid)
            state = STATE_OF_STATUS.get(record["status"], record["status"]) if record else "absent"
            cell = Cell(run.line, state, record.get("reason") or record.get("error") if record else None, None, record)
            if previous is not None and "absent" not in (previous.state, state):
                applied_before, applies_now = previous.state != "not_applicable", state != "not_applicable"
                if applied_before != applies_now:
                    cell.changed = "starts" if applies_now else "stops"
            row.cells.append(cell)
            previous = cell
    return sorted(rows.values(), key=lambda row: (row.feature_file, row.line_number, row.collected_at))


def collection_errors(runs: list[Run]) -> list[dict]:
    """Test modules that could not even be collected: no scenario of theirs ran, so they have no row."""
    return [
        {"line": run.line, "nodeid": nodeid, "error": record.get("error", "")}
        for run in runs
        for nodeid, record in run.scenarios.items()
        if "feature" not in record
    ]


def changes(rows: list[Row], runs: list[Run]) -> list[dict]:
    """Per version step: the behaviours that start or stop there, and scenarios whose outcome differs."""
    steps = []
    for index in range(1, len(runs)):
        before, after = runs[index - 1].line, runs[index].line
        starts = [row for row in rows if row.cells[index].changed == "starts"]
        stops = [row for row in rows if row.cells[index].changed == "stops"]
        differs = [
            row
            for row in rows
            if not row.cells[index].changed
            and {row.cells[index - 1].state, row.cells[index].state} - {"absent", "not_applicable"}
            and row.cells[index - 1].state != row.cells[index].state
        ]
        steps.append({"before": before, "after": after, "starts": starts, "stops": stops, "differs": differs})
    return steps


@dataclass
class StepDefinition:
    type: str
    phrase: str
    docstring: str
    module: str
    line: int
    parser: object
    used_by: list[str] = field(default_factory=list)


def step_definitions() -> list[StepDefinition]:
    """Every step definition of the modules the root conftest.py loads, from pytest-bdd's own registry."""
    import importlib

    from pytest_bdd.steps import step_function_context_registry

    for module in re.findall(r'"(steps\.\w+)"', (ROOT / "conftest.py").read_text()):
        importlib.import_module(module)
    definitions = []
    for context in list(step_function_context_registry.values()):
        function = inspect.unwrap(context.step_func)
        if not function.__module__.startswith("steps."):
            continue
        definitions.append(
            StepDefinition(
                context.type or "step",
                context.parser.name,
                inspect.getdoc(function) or "",
                function.__module__,
                function.__code__.co_firstlineno,
                context.parser,
            )
        )
    return sorted(definitions, key=lambda d: (d.module, d.line))


def catalogue(rows: list[Row]) -> list[StepDefinition]:
    definitions = step_definitions()
    for row in rows:
        record = row.representative()
        for step in (record or {}).get("steps") or []:
            for definition in definitions:
                matches = definition.type == step["type"] and definition.parser.is_matching(step["text"])
                if matches and row.page not in definition.used_by:
                    definition.used_by.append(row.page)
    return definitions


def features_in_order(rows: list[Row]) -> list[dict]:
    """Each feature with its prose and rules, parsed from its file, and its rows grouped by rule."""
    by_file: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_file[row.feature_file].append(row)
    features = []
    for feature_file, feature_rows in sorted(by_file.items()):
        feature_record = (feature_rows[0].representative() or feature_rows[0].cells[-1].record)["feature"]
        rules: dict[str | None, dict] = {}
        for row in feature_rows:
            rule = rules.setdefault(row.rule, {"name": row.rule, "description": None, "rows": []})
            record = row.representative() or {}
            rule["description"] = rule["description"] or (record.get("rule") or {}).get("description")
            rule["rows"].append(row)
        features.append(
            {
                "file": feature_file,
                "page": feature_page(feature_file),
                "name": feature_rows[0].feature_name,
                "description": feature_record["description"],
                "tags": feature_record["tags"],
                "rules": list(rules.values()),
                "rows": feature_rows,
            }
        )
    return features


def redact(value: object) -> object:
    """Every printed value passes here: a password in a URL never reaches a page."""
    if isinstance(value, Markup):  # a macro's output: its own values already passed here
        return value
    return PASSWORD_IN_URL.sub(r"\1:***@", value) if isinstance(value, str) else value


def redacted(document: object) -> object:
    """The results with every password in a URL masked, before anything (pages, Cucumber JSON) is written."""
    if isinstance(document, dict):
        return {key: redacted(value) for key, value in document.items()}
    if isinstance(document, list):
        return [redacted(value) for value in document]
    return redact(document)


def render(results: Path, out: Path) -> Path:
    runs = load_runs(results)
    rows = build_rows(runs)
    features = features_in_order(rows)
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        extensions=["jinja2.ext.do"],
        finalize=redact,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    common = {"runs": runs, "states": STATES}
    pages = {
        "index.html": ("index.html", {"features": features, "errors": collection_errors(runs)}),
        "steps.html": ("steps.html", {"definitions": catalogue(rows)}),
        "changes.html": ("changes.html", {"changes": changes(rows, runs)}),
    }
    for feature in features:
        pages[feature["page"]] = ("feature.html", {"feature": feature})
    for target, (template, context) in pages.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * target.count("/")
        path.write_text(environment.get_template(template).render(root=root, **common, **context))
    for run in runs:
        path = out / "cucumber" / f"sqlalchemy-{run.line}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cucumber_document(run.scenarios.values()), indent=1))
    return out / "index.html"


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m support.report.site", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results", help="directory of sqlalchemy-*.json")
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="where to write the site")
    options = parser.parse_args(arguments)
    index = render(options.results, options.out)
    print(f"living documentation: {index.resolve()}")


if __name__ == "__main__":
    main()
