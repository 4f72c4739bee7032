"""Scenarios can fail: the flip tests' machinery. A ``Flip`` rewrites one step (or table row) of one scenario in a
copy of the features; the flipped features then run, from that copy, against the outer run's server, on SQLite or
on a private MariaDB, on the SQLAlchemy of the tests' environment. One runner judges them for every database:
each flipped scenario must fail, every other one pass."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from pytest_bdd.gherkin_parser import get_gherkin_document

from support.databases import NAMES
from support.versions import applies, parse_tag

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Flip:
    feature: str
    scenario: str  # a scenario's name, or "Background" for the whole feature
    before: str  # a step fragment, or a whole table row (compared without extra spaces)
    after: str
    describes: str = ""  # the SQLAlchemy versions on which the flip makes the scenario fail; "" for all


def for_this_sqlalchemy(flips: list[Flip]) -> list[Flip]:
    """The flips that describe the SQLAlchemy of this environment."""
    return [flip for flip in flips if not flip.describes or applies(SpecifierSet(flip.describes))]


def _normal(text: str) -> str:
    return " ".join(text.split())


def apply_flip(lines: list[str], flip: Flip) -> None:
    """Rewrite the first matching line inside the scenario's block (or the Background)."""
    heading = "Background:" if flip.scenario == "Background" else flip.scenario
    start = next(i for i, line in enumerate(lines) if line.strip().endswith(heading) and ":" in line)
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(("Scenario", "Rule:")):
            break
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        if stripped.startswith("|") and _normal(stripped) == _normal(flip.before):
            lines[index] = indent + flip.after + "\n"
            return
        if flip.before in lines[index]:
            lines[index] = lines[index].replace(flip.before, flip.after)
            return
    raise AssertionError(f"{flip.feature}: '{flip.before}' not found in '{flip.scenario}': update FLIPS")


def run_area_copy(
    features: Path, area: str, spec_server, only: set[str] | None = None, database: str = "postgresql"
) -> list[dict]:
    """Run one area's scenarios from a copy of the features (``only`` those feature files, by stem, when given: a
    change to one feature's text cannot change another's outcome), on the outer run's server, on SQLite or on a
    private MariaDB; every scenario's result."""
    if only is not None:
        for path in (features / area).rglob("*.feature"):
            if path.stem not in only:
                path.unlink()
    results = features.parent / "results.json"
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    chosen = {"sqlite": ["--db=sqlite"], "mysql": ["--db=mariadb"]}.get(database, ["--db=url", f"--db-url={admin_url}"])
    subprocess.run(
        [sys.executable, "-m", "pytest", f"steps/test_{area}.py", "-q", "-p", "no:randomly",
         "-o", f"bdd_features_base_dir={features}", f"--spec-results={results}", *chosen],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return json.loads(results.read_text())["scenarios"]


def flipped_feature_statuses(
    tmp_path: Path, spec_server, area: str, flips: list[Flip], database: str = "postgresql"
) -> dict:
    """The flipped features' scenarios, run from a copy of the features with ``flips`` applied:
    (feature, scenario name) -> status."""
    return {
        (Path(scenario["feature"]["file"]).stem, scenario["scenario"]["name"]): scenario["status"]
        for scenario in flipped_feature_results(tmp_path, spec_server, area, flips, database)
    }


def flipped_copy(tmp_path: Path, area: str, flips: list[Flip]) -> tuple[Path, set[str]]:
    """A copy of the features with ``flips`` applied, and the flipped features (by stem)."""
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    flipped = {flip.feature for flip in flips}
    for feature in flipped:
        path = features / area / f"{feature}.feature"
        lines = path.read_text().splitlines(keepends=True)
        for flip in (f for f in flips if f.feature == feature):
            apply_flip(lines, flip)
        path.write_text("".join(lines))
    return features, flipped


def flipped_feature_results(
    tmp_path: Path, spec_server, area: str, flips: list[Flip], database: str = "postgresql"
) -> list[dict]:
    """Every run of the flipped features' scenarios (each flavour and driver), from a copy of the features with
    ``flips`` applied, on ``database``."""
    features, flipped = flipped_copy(tmp_path, area, flips)
    return run_area_copy(features, area, spec_server, only=flipped, database=database)


def assert_every_flip_fails(
    tmp_path: Path, spec_server, area: str, flips: list[Flip], database: str = "postgresql"
) -> None:
    """Every scenario of the flipped features that applies on ``database`` has a flip, and fails once flipped."""
    statuses = {
        scenario: status
        for scenario, status in flipped_feature_statuses(tmp_path, spec_server, area, flips, database).items()
        if status != "not_applicable"  # another database's scenario: its flip runs there
    }
    assert set(statuses) == {(flip.feature, flip.scenario) for flip in flips}, "every scenario needs a flip"
    survivors = [f"{feature}: {name}" for (feature, name), status in statuses.items() if status != "failed"]
    assert not survivors, "these scenarios still pass when flipped: " + "; ".join(survivors)


def assert_flipped_fail_and_others_pass(
    tmp_path: Path,
    spec_server,
    area: str,
    flips: list[Flip],
    database: str = "postgresql",
    unflipped: set[tuple[str, str]] | None = None,
) -> None:
    """Apply the flips that describe this SQLAlchemy and run the flipped features on ``database``: each flipped
    scenario whose tags select this line and database must run there and fail, every other one pass (or not apply).
    ``unflipped``: the scenarios meant to have no flip; given, every scenario of the area that applies here must be
    flipped or listed."""
    flips = for_this_sqlalchemy(flips)
    if not flips:
        pytest.skip(f"the {area} flips describe other SQLAlchemy versions")
    flipped = {(flip.feature, flip.scenario) for flip in flips}
    applicable = applicable_scenarios(ROOT / "features" / area, database)  # by the tags: this line, this database
    broken = [
        f"{feature}: {name} is neither flipped nor listed as unflipped"
        for feature, name in (applicable if unflipped is not None else ())
        if not {(feature, name), (feature, "Background")} & (flipped | unflipped)
    ]
    ran, survivors = set(), []
    for scenario in flipped_feature_results(tmp_path, spec_server, area, flips, database):
        feature, name, status = Path(scenario["feature"]["file"]).stem, scenario["scenario"]["name"], scenario["status"]
        if status in ("not_applicable", "skipped"):
            continue
        ran.add((feature, name))
        if {(feature, name), (feature, "Background")} & flipped:
            if status != "failed":
                survivors.append(f"{scenario['nodeid']}: {status}")
        elif status != "passed":
            broken.append(f"{scenario['nodeid']}: {status}")
    not_run = (flipped & applicable) - ran  # a flipped scenario its tags give to another line or database: not here
    assert not not_run, f"not run on {NAMES[database]}: {sorted(not_run)}"
    assert not survivors, "these scenarios still pass when flipped: " + "; ".join(survivors)
    assert not broken, "; ".join(broken)


def applicable_scenarios(area: Path, database: str = "postgresql") -> set[tuple[str, str]]:
    """(feature, scenario name) of every scenario of an area that this SQLAlchemy runs on ``database`` (its version
    and database tags, its rule's and its feature's, select this line and database), read from the feature files
    without running them."""
    found = set()
    for path in area.rglob("*.feature"):
        feature = get_gherkin_document(str(path), "utf-8-sig").feature
        children = [(child, [tag.name for tag in feature.tags]) for child in feature.children]
        for child, tags in children:
            if child.rule:
                rule_tags = tags + [tag.name for tag in child.rule.tags]
                children.extend((grandchild, rule_tags) for grandchild in child.rule.children)
            elif child.scenario:
                versions = [tag[1:] for tag in tags + [tag.name for tag in child.scenario.tags]]
                databases = [tag.removeprefix("database:") for tag in versions if tag.startswith("database:")]
                versions = [tag for tag in versions if tag.startswith("sqlalchemy:")]
                if all(applies(parse_tag(tag)) for tag in versions) and set(databases) <= {database}:
                    found.add((path.stem, child.scenario.name))
    return found
