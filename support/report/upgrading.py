"""The upgrade guide: for each upgrade (1.4 -> 2.0, 2.0 -> 2.1) the behaviours that change, grouped by feature.

Two views of one idea. ``section()`` is the "Upgrading" section of features/README.md, made from the version tags
alone (no run needed); ``guide(site)`` is the site's "What changed between versions" page, made from the runs of
every line, which also shows the scenarios whose outcome or SQL differs. In both, each line says what it was and
what it is (the scenarios that stop applying, those that start), an outline counts once (with its changed rows),
and a feature whose own version tag makes every scenario start at once (an API new in that version) is one line.

    python -m support.report.upgrading          print the section
    python -m support.report.upgrading --write  rewrite it in features/README.md
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from packaging.version import Version
from pytest_bdd.parser import FeatureParser, ScenarioTemplate

from support import databases, versions

ROOT = Path(__file__).resolve().parent.parent.parent
FEATURES = ROOT / "features"
README = FEATURES / "README.md"
START, END = "<!-- upgrading: generated from the version tags; do not edit by hand -->", "<!-- upgrading: end -->"


# --- from the version tags: the README's section ------------------------------------------------


def boundaries() -> dict[Version, dict[str, list[tuple[str, str, str]]]]:
    """version -> {"until": [(path, feature, scenario)], "since": [...]} for every version-tagged scenario."""
    found: dict[Version, dict[str, list]] = defaultdict(lambda: {"until": [], "since": []})
    for relative, feature, scenario, clauses in _tagged_scenarios():
        for clause in clauses:
            side = "until" if clause.operator in ("<", "<=") else "since"
            found[Version(clause.version)][side].append((relative, feature.name, scenario.name))
    return dict(sorted(found.items()))


def _tagged_scenarios():
    """(path, feature, scenario, its version clauses) for every scenario whose tags or feature's name versions."""
    for path in sorted(FEATURES.rglob("*.feature")):
        relative = path.relative_to(FEATURES).as_posix()
        feature = parsed(relative)
        for scenario in feature.scenarios.values():
            clauses = []
            for tag in sorted(scenario.tags | feature.tags):
                if versions.is_version_tag(tag):
                    try:
                        clauses += list(versions.parse_tag(tag))
                    except ValueError as invalid:
                        raise InvalidVersionTag(f"{_tag_line(path, tag, scenario.line_number)}: {invalid}") from None
            if clauses:
                yield relative, feature, scenario, clauses


def parsed(relative: str):
    return _parsed(str(FEATURES), relative)


@cache
def _parsed(features: str, relative: str):
    return FeatureParser(features, relative).parse()


class InvalidVersionTag(ValueError):
    """A version tag the section cannot be made from; its message is one line naming the file and the line."""


def _tag_line(path: Path, tag: str, scenario_line: int) -> str:
    """``features/<path>:<line>`` of the line above the scenario (or the scenario's) that carries ``tag``."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    number = next(
        (n for n in range(min(scenario_line, len(lines)), 0, -1) if f"@{tag}" in lines[n - 1].split()), scenario_line
    )
    return f"{path.relative_to(FEATURES.parent).as_posix()}:{number}"


def readable(scenario_name: str) -> str:
    """An outline's <placeholder> would vanish as an HTML tag in Markdown: show it as *placeholder*."""
    return re.sub(r"<([^<>]+)>", r"*\1*", scenario_name)


def line_of(version: Version) -> str:
    """The supported line a boundary belongs to: 2.0.22 is a change within 2.0, met when upgrading to 2.0."""
    return f"{version.major}.{version.minor}"


def upgrades() -> list[tuple[str, str]]:
    return list(zip(versions.LINES, versions.LINES[1:], strict=False))


def section() -> str:
    lines = [START, "## Upgrading", ""]
    lines.append(
        "What changes when you upgrade SQLAlchemy, made from the scenarios tagged for one side of a version. Each "
        "line is one rule of a feature: what was true before (*was*) and what is true since (*is*). An outline "
        "counts once. A feature tagged as a whole (an API that is new) is one line. The living documentation's "
        '"What changed between versions" adds what the runs show: outcomes and SQL that differ.'
    )
    by_upgrade: dict[str, dict[str, dict[str | None, dict[str, list[str]]]]] = defaultdict(dict)
    whole: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)  # upgrade -> feature -> (its tag, scenarios)
    for relative, feature, scenario, clauses in _tagged_scenarios():
        feature_clauses = [
            str(c) for tag in feature.tags if versions.is_version_tag(tag) for c in versions.parse_tag(tag)
        ]
        for clause in clauses:
            target = line_of(Version(clause.version))
            side = "was" if clause.operator in ("<", "<=") else "is"
            since = "" if Version(clause.version) == Version(target) else f" (at {clause.version})"
            if str(clause) in feature_clauses:
                tag, count = whole[target].get(relative, (str(clause), 0))
                whole[target][relative] = (tag, count + 1)
                continue
            rule = scenario.rule.name if scenario.rule else None
            sides = by_upgrade[target].setdefault(relative, {}).setdefault(rule, {"was": [], "is": []})
            sides[side].append(readable(scenario.name) + since)
    for before, after in upgrades():
        lines += ["", f"### From {before} to {after}", ""]
        for relative in sorted(set(by_upgrade[after]) | set(whole[after])):
            link = f"[{parsed(relative).name}]({relative})"
            if relative in whole[after]:
                tag, count = whole[after][relative]
                lines.append(f"- {link}: new, the whole feature ({count} scenarios) describes SQLAlchemy {tag}")
                continue
            lines.append(f"- {link}")
            for rule, sides in by_upgrade[after][relative].items():
                said = [f"*{side}*: " + "; ".join(names) for side, names in sides.items() if names]
                lines.append(f"  - {rule + ': ' if rule else ''}{' / '.join(said)}")
    lines += ["", END]
    return "\n".join(lines)


def readme_with_section(text: str) -> str:
    if START in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        return before + section() + after
    return text.rstrip("\n") + "\n\n" + section() + "\n"


# --- from the runs: the site's page ---------------------------------------------------------------


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Behaviour:
    """One line of the guide: a rule (or a scenario with no rule) of a feature, what was true and what is."""

    rule: str | None
    was: list[Link] = field(default_factory=list)
    now: list[Link] = field(default_factory=list)
    differs: list[Link] = field(default_factory=list)  # applies on both lines, with another outcome


@dataclass
class FeatureChanges:
    name: str
    href: str
    new: str | None = None  # the one line for a feature that starts as a whole (its own version tag)
    behaviours: list[Behaviour] = field(default_factory=list)


@dataclass
class SqlDifference:
    """Statements one line sent and the next sends instead, and the scenarios whose steps show it."""

    before: str
    after: str
    scenarios: list[Link] = field(default_factory=list)


@dataclass
class Upgrade:
    before: str
    after: str
    features: list[FeatureChanges]
    sql: list[SqlDifference]
    database: str | None = None  # the database both runs are on, where the site has more than one ("SQLite")
    anchor: str = ""  # its heading's id: upgrade-<before>-<after>, and -<database> but on PostgreSQL


def guide(site) -> list[Upgrade]:
    """The upgrade guide from ``model.site(...)``: one ``Upgrade`` per pair of consecutive lines that ran on one
    database (the runs are in order of database, then line)."""
    found = []
    for index in range(1, len(site.runs)):
        before, after = site.runs[index - 1], site.runs[index]
        if before.database != after.database:
            continue
        outlines = _outlines(site.rows)
        features: dict[str, FeatureChanges] = {}
        for (file, _, _), rows in outlines.items():
            cells = [(row, row.cells[index - 1], row.cells[index]) for row in rows]
            starts = [row for row, _, cell in cells if cell.changed == "starts"]
            stops = [row for row, _, cell in cells if cell.changed == "stops"]
            differs = [row for row, was, cell in cells if not cell.changed and _outcome_differs(was, cell)]
            if not (starts or stops or differs):
                continue
            changes = features.setdefault(file, FeatureChanges(rows[0].feature_name, rows[0].page))
            behaviour = next((b for b in changes.behaviours if b.rule == rows[0].rule), None)
            if behaviour is None:
                behaviour = Behaviour(rows[0].rule)
                changes.behaviours.append(behaviour)
            behaviour.now += _links(starts, rows, index)
            behaviour.was += _links(stops, rows, index)
            behaviour.differs += _links(differs, rows, index)
        for file, changes in features.items():
            _summarise_new_feature(changes, [row for row in site.rows if row.feature_file == file], index)
        upgrade = Upgrade(before.version_heading, after.version_heading, list(features.values()), [])
        upgrade.database = after.database_name if after.database_shown else None
        on = "" if after.database == databases.DEFAULT else f"-{after.database}"
        upgrade.anchor = f"upgrade-{before.line}-{after.line}{on}"
        upgrade.sql = sql_differences(outlines, index)
        found.append(upgrade)
    return found


def _outlines(rows) -> dict[tuple[str, int, str], list]:
    """Rows by scenario as written: an outline's rows (and flavours) together."""
    grouped: dict[tuple[str, int, str], list] = {}
    for row in rows:  # the test function is the scenario's: its rows and flavours are parameters of it
        grouped.setdefault((row.feature_file, row.line_number, row.nodeid.split("[")[0]), []).append(row)
    return grouped


def _outcome_differs(was, cell) -> bool:
    states = {was.state, cell.state}
    return not states & {"absent", "not_applicable"} and was.state != cell.state


def _links(changed: list, rows: list, index: int) -> list[Link]:
    """One link for the scenario as written; an outline's rows that changed (k of n), or the flavours that did."""
    if not changed:
        return []
    first = changed[0]
    relevant = [row for row in rows if {row.cells[index - 1].state, row.cells[index].state} != {"not_applicable"}]
    outline = any(cell.record and cell.record.example for row in rows for cell in row.cells)
    if len(changed) >= len(relevant):
        scope = " (every row)" if outline else ""
    else:
        shown = "; ".join(dict.fromkeys(_row_values(row) for row in changed))
        scope = f" ({len(changed)} of {len(relevant)} rows: {shown})" if outline else f" ({shown})"
    return [Link(f"{_written_name(first)}{scope}", f"{first.page}#{first.anchor}")]


def _written_name(row) -> str:
    template: ScenarioTemplate | None = next(
        (s for s in parsed(row.feature_file).scenarios.values() if s.line_number == row.line_number), None
    )
    if template:
        return template.name
    record = row.representative()
    return record.scenario.name if record and record.scenario else row.title


def _row_values(row) -> str:
    record = next((cell.record for cell in row.cells if cell.record and cell.record.example), None)
    flavour = re.search(r"\((sync|async)\)$", row.title)
    if record is None:
        return flavour[1] if flavour else row.title
    values = " / ".join(str(value) for value in record.example.values())
    return values + (f" ({flavour[1]})" if flavour else "")


def _summarise_new_feature(changes: FeatureChanges, rows: list, index: int) -> None:
    """A feature whose every scenario starts here, because the feature itself is tagged: one line."""
    tags = next((cell.record.feature.tags for row in rows for cell in row.cells if cell.record), [])
    tagged = [tag for tag in tags if versions.is_version_tag(tag)]
    if tagged and all(row.cells[index].changed == "starts" for row in rows):
        outlines = len(_outlines(rows))
        changes.new = (
            f"new in this version: every scenario of the feature starts to apply ({outlines} scenarios, "
            f"{len(rows)} examples and flavours): the feature describes SQLAlchemy {tagged[0].split(':', 1)[1]}"
        )
        changes.behaviours = []


def sql_differences(outlines: dict[tuple[str, int, str], list], index: int) -> list[SqlDifference]:
    """Scenarios that pass on both lines yet send other statements, grouped by the first statements that differ."""
    grouped: dict[tuple[str, str], SqlDifference] = {}
    for rows in outlines.values():
        changed = []
        for row in rows:
            was, cell = row.cells[index - 1], row.cells[index]
            if was.state == cell.state == "passed" and was.record and cell.record:
                difference = _first_difference(_statements(was.record), _statements(cell.record))
                if difference:
                    changed.append((row, difference))
        for difference in dict.fromkeys(d for _, d in changed):
            entry = grouped.setdefault(difference, SqlDifference(*difference))
            entry.scenarios += _links([row for row, d in changed if d == difference], rows, index)
    return sorted(grouped.values(), key=lambda entry: -len(entry.scenarios))


def _statements(record) -> list[str]:
    return [" ".join(entry.text.split()) for step in record.steps for entry in step.sql]


def _first_difference(before: list[str], after: list[str]) -> tuple[str, str] | None:
    """The statements between the common start and the common end of the two lists (a few of each side)."""
    if before == after:
        return None
    start = next((i for i, pair in enumerate(zip(before, after, strict=False)) if pair[0] != pair[1]), None)
    start = min(len(before), len(after)) if start is None else start
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return _few(before[start : len(before) - end]), _few(after[start : len(after) - end])


def _few(statements: list[str], shown: int = 2) -> str:
    more = f"; ... ({len(statements) - shown} more)" if len(statements) > shown else ""
    return "; ".join(statements[:shown]) + more if statements else "(nothing)"


if __name__ == "__main__":
    try:
        section()
    except InvalidVersionTag as invalid:
        sys.exit(f"upgrading: {invalid}")
    if "--write" in sys.argv:
        README.write_text(readme_with_section(README.read_text()))
        print(f"wrote the Upgrading section of {README}")
    else:
        print(section())
