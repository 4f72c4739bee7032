"""Checks that pytest-bdd does not make, each refusing in one line that names the fix: a scenario must have
steps and a Then, each step must match exactly one step definition, an outline's Examples must have a column for
each of its ``<name>``s, every tag must be declared, scenario names are unique in their feature, a feature file
holds at least one scenario, and a feature file pytest-bdd cannot parse is named with its line."""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections import defaultdict
from pathlib import Path

import pytest
from pytest_bdd.exceptions import GherkinParseError, NoScenariosFound
from pytest_bdd.gherkin_parser import get_gherkin_document
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.steps import step_function_context_registry

from support.step_lookup import step_fixturedefs

_DEFINITIONS_SEEN = pytest.StashKey[dict[tuple[str, str], set[str]]]()


def read_feature_files_without_byte_order_mark() -> None:
    """pytest-bdd reads a feature file as "utf-8", which keeps the byte-order mark some editors write as its first
    character, and Gherkin then refuses line 1 ("@tag" or "Feature:" looking correct); "utf-8-sig" is the same
    codec without the mark."""
    import pytest_bdd.parser

    reads = pytest_bdd.parser.get_gherkin_document
    if getattr(reads, "without_byte_order_mark", False):
        return

    def get_gherkin_document(abs_filename: str, encoding: str = "utf-8"):
        return reads(abs_filename, "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)

    get_gherkin_document.without_byte_order_mark = True
    pytest_bdd.parser.get_gherkin_document = get_gherkin_document


def keep_the_whole_path_of_nested_feature_files() -> None:
    """pytest-bdd names a feature file by its own folder and name only ("topic/x.feature" for
    features/area/topic/x.feature); results, pages, Cucumber JSON and guard messages need "area/topic/x.feature".
    ``scenarios("area")`` parses the folder's files through ``get_features``, which is given the folder: the path
    from the folder on is known there."""
    import os
    import sys

    import pytest_bdd.scenario  # noqa: F401 (the module; pytest_bdd.scenario names the function)

    module = sys.modules["pytest_bdd.scenario"]
    gets = module.get_features
    if getattr(gets, "keeps_whole_paths", False):
        return

    def get_features(paths, encoding: str = "utf-8"):
        paths = list(paths)
        found = gets(paths, encoding=encoding)
        for folder in (path for path in paths if os.path.isdir(path)):
            for feature in found:
                if Path(feature.filename).is_relative_to(folder):
                    feature.rel_filename = os.path.join(
                        os.path.basename(folder), os.path.relpath(feature.filename, folder)
                    )
        return found

    get_features.keeps_whole_paths = True
    module.get_features = get_features


def scenario_of(item: pytest.Item):
    """The rendered pytest-bdd scenario behind a test item, or None for a plain test."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
    return template.render(example)


def shape_problem(scenario) -> str | None:
    where = f'scenario "{scenario.name}" ({scenario.feature.rel_filename}:{scenario.line_number})'
    if not scenario.steps:
        return f"{where} has no steps: give it Given/When/Then steps, or tag it @wip"
    if not any(step.type == "then" for step in scenario.steps):
        return f"{where} has no Then step: add a Then that observes the outcome"
    whens = [step.line_number for step in scenario.steps if step.type == "when"]
    if len(whens) > 1:
        return (
            f"{where} has {len(whens)} When steps (lines {', '.join(map(str, whens))}): a scenario has exactly one "
            "When, the thing under study; make the others Givens, or split the scenario"
        )
    return None


def version_range_problem(scenario, item: pytest.Item) -> str | None:
    """Version tags (the scenario's, its rule's and its feature's) that together select none of the supported lines:
    the scenario would be "not applicable" on every line and never run."""
    from support import versions

    tags = [marker.args[1] for marker in item.iter_markers("sqlalchemy") if len(marker.args) > 1]
    # pytest-bdd keeps tags in a set: name them nearest the scenario first, whatever the hash seed
    tags.sort(key=lambda tag: -_tag_line(scenario, tag))
    reason = versions.no_line_reason(tags)
    return reason and f"{tag_location(scenario, tags[0])}: {reason}"


def database_problem(scenario, item: pytest.Item) -> str | None:
    """Database tags (the scenario's, its rule's and its feature's) that together name more than one database."""
    from support import databases

    tags = [marker.args[1] for marker in item.iter_markers(databases.MARKER) if len(marker.args) > 1]
    tags.sort(key=lambda tag: -_tag_line(scenario, tag))
    reason = databases.no_database_reason(tags)
    return reason and f"{tag_location(scenario, tags[0])}: {reason}"


def examples_column_problem(scenario, item: pytest.Item) -> str | None:
    """A step of an outline naming a ``<column>`` its Examples table lacks (pytest-bdd leaves it as written, and the
    step then matches no definition: the fix is the table, not the steps)."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None or not template.templated:
        return None
    for step in scenario.steps:
        for column in re.findall(r"<([^<>\s]+)>", step.name):
            lacking = [table for table in template.examples if column not in table.example_params]
            if lacking:
                return (
                    f"{scenario.feature.rel_filename}:{lacking[0].line_number}: the Examples table of scenario "
                    f'outline "{template.name}" lacks the column <{column}> that step "{step.type.capitalize()} '
                    f'{step.name}" (line {step.line_number}) uses: add the column to the table, or reword the step'
                )
    return None


def step_definition_problem(scenario, item: pytest.Item) -> str | None:
    """A step that matches no step definition, or more than one (both named)."""
    for step in scenario.steps:
        definitions = _definitions_of(step, item)
        where = f'step "{step.type.capitalize()} {step.name}" ({scenario.feature.rel_filename}:{step.line_number})'
        if not definitions:
            return (
                f"{where} has no step definition: add one to the concept's steps/*_steps.py "
                "(listed in conftest.py), or reword the step to match an existing one"
            )
        if len(definitions) > 1:
            return (
                f"{where} matches {len(definitions)} step definitions: {', '.join(sorted(definitions))}; "
                "reword one of them so each step has exactly one"
            )
    return None


def _definitions_of(step, item: pytest.Item) -> set[str]:
    """Where the step definitions matching ``step`` are, as seen from ``item``; the same for every test of its
    module, so kept on the module's node."""
    seen = item.parent.stash.setdefault(_DEFINITIONS_SEEN, {})
    if (step.type, step.name) not in seen:
        fixturedefs = step_fixturedefs(step, item.session._fixturemanager, item)
        steps = [step_function_context_registry[fixturedef.func].step_func for fixturedef in fixturedefs]
        seen[step.type, step.name] = {_location(step_func) for step_func in steps}
    return seen[step.type, step.name]


def declared_markers(config: pytest.Config) -> set[str]:
    """Names of the markers the configuration declares (``name: help`` or ``name(arguments): help``)."""
    return {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}


def undeclared_tag_problem(scenario, tags: list[str], config: pytest.Config) -> str | None:
    if not tags:
        return None
    where = f'scenario "{scenario.name}" ({scenario.feature.rel_filename}:{scenario.line_number})'
    config_file = config.inipath.name if config.inipath else "pyproject.toml"
    return (
        f"{where} has the undeclared tag @{sorted(tags)[0]}: declare it in the pytest markers of {config_file}, "
        "or remove it"
    )


def duplicate_name_problem(item: pytest.Item) -> str | None:
    """A scenario whose name another scenario of its feature also has: pytest-bdd keys a feature's scenarios by
    name, so only the last of them is ever collected and the others silently never run."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    filename = template.feature.filename
    with contextlib.suppress(OSError):
        lines = _scenario_lines(filename, Path(filename).stat().st_mtime_ns).get(template.name, [])
        if len(lines) > 1:
            return (
                f"{template.feature.rel_filename}:{lines[0]} and line {lines[1]}: two scenarios are named "
                f'"{template.name}", and only the last would run: give each scenario of a feature a name of its own'
            )
    return None


class FeatureProblem(pytest.Item):
    """Stands in for a feature file that gave no test, so that its refusal is reported while the run goes on."""

    def runtest(self) -> None:
        pass

    def reportinfo(self):
        return self.path, None, self.name


def empty_feature_items(config: pytest.Config, items: list[pytest.Item]) -> list[pytest.Item]:
    """A refused stand-in for each feature file of this project that pytest-bdd parsed and found no scenario in
    (its ``scenarios()`` passes over such a file without a word)."""
    from pytest_bdd.feature import features

    from support.evidence import SETUP_PROBLEM

    if not items:
        return []
    stand_ins = []
    for filename, feature in sorted(features.items()):
        path = Path(filename)
        if feature.scenarios or not path.is_relative_to(config.rootpath):
            continue
        nodeid = path.relative_to(config.rootpath).as_posix()
        stand_in = FeatureProblem.from_parent(items[0].session, name=nodeid, path=path, nodeid=nodeid)
        stand_in.stash[SETUP_PROBLEM] = _no_scenario(feature)
        stand_ins.append(stand_in)
    return stand_ins


def unbound_feature_items(config: pytest.Config, items: list[pytest.Item]) -> list[pytest.Item]:
    """A refused stand-in for each feature file under the features folder that no test module binds: pytest-bdd only
    runs what a ``scenarios()`` call names, and passes over the rest without a word (0 items, no message)."""
    from support.evidence import SETUP_PROBLEM

    base = Path(config.rootpath, config.getini("bdd_features_base_dir"))
    modules = {Path(item.module.__file__) for item in items if scenario_of(item) is not None}
    if not modules or not base.is_dir():
        return []
    bound = {
        (base / name).resolve() for module in _sibling_test_modules(modules) for name in _scenarios_arguments(module)
    }
    stand_ins = []
    for path in sorted(base.rglob("*.feature")):
        resolved = path.resolve()
        if any(resolved == target or target in resolved.parents for target in bound):
            continue
        nodeid = path.relative_to(config.rootpath).as_posix() if path.is_relative_to(config.rootpath) else str(path)
        stand_in = FeatureProblem.from_parent(items[0].session, name=nodeid, path=path, nodeid=nodeid)
        stand_in.stash[SETUP_PROBLEM] = (
            f"{nodeid}: no test module binds this feature file, so none of it runs: call scenarios() on its folder "
            "in a steps/test_<area>.py (one per area), or move the file into an area that has one"
        )
        stand_ins.append(stand_in)
    return stand_ins


def _sibling_test_modules(modules: set[Path]) -> set[Path]:
    return {module for folder in {m.parent for m in modules} for module in folder.glob("test_*.py")} | modules


def _scenarios_arguments(module: Path) -> list[str]:
    """The literal paths a test module hands to pytest-bdd's ``scenarios()``."""
    import ast

    with contextlib.suppress(OSError, SyntaxError):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        return [
            argument.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "scenarios"
            for argument in node.args
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        ]
    return []


def _no_scenario(feature) -> str:
    return (
        f'{feature.rel_filename}:{feature.line_number}: feature "{feature.name}" has no scenario, so none of it runs: '
        "add a Scenario, or remove the file"
    )


def tag_location(scenario, tag: str) -> str:
    """``file:line`` of the line that carries ``tag`` for ``scenario`` (its own, its rule's or its feature's tags)."""
    return f"{scenario.feature.rel_filename}:{_tag_line(scenario, tag)}"


def _tag_line(scenario, tag: str) -> int:
    """The nearest line above ``scenario`` that carries ``tag``; the scenario's own line when none does."""
    try:
        lines = Path(scenario.feature.filename).read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        lines = []
    for number in range(min(scenario.line_number, len(lines)), 0, -1):
        if f"@{tag}" in lines[number - 1].split():
            return number
    return scenario.line_number


@functools.cache
def _scenario_lines(filename: str, modified: int) -> dict[str, list[int]]:
    """Each scenario name of a feature file, with the lines of the scenarios that have it (in rules too)."""
    lines = defaultdict(list)
    children = list(get_gherkin_document(filename, "utf-8-sig").feature.children)
    for child in children:
        if child.rule:
            children.extend(child.rule.children)
        elif child.scenario:
            lines[child.scenario.name].append(child.scenario.location.line)
    return lines


def feature_file_problem(error: BaseException, rootpath: Path) -> str | None:
    """A feature file pytest-bdd could not parse, as one line naming the file, the line and the fix."""
    if isinstance(error, NoScenariosFound):  # scenarios() was given only files without scenarios
        from pytest_bdd.feature import features

        paths = error.args[0] if error.args and isinstance(error.args[0], list) else []
        parsed = [features[path] for path in paths if path in features]
        if parsed:
            return _no_scenario(parsed[0])
        return f"{', '.join(map(str, paths))}: no feature file with a scenario there: add one, or correct the path"
    if not isinstance(error, GherkinParseError):
        return None
    path = Path(error.filename)
    with contextlib.suppress(ValueError):
        path = path.relative_to(rootpath)
    message = " ".join(error.message.split()).rstrip(".")
    content = " ".join(str(error.line_content).split())
    return f'{path}:{error.line}: {message} ("{content}"): correct the Gherkin on that line'


def _location(function) -> str:
    function = inspect.unwrap(function)
    path = Path(inspect.getsourcefile(function) or "?")
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path.cwd())
    return f"{path}:{inspect.getsourcelines(function)[1]}"
