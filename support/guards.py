"""Checks that pytest-bdd does not make, each refusing in one line that names the fix: a scenario must have
steps and a Then, each step must match exactly one step definition, every tag must be declared, and a feature
file pytest-bdd cannot parse is named with its line."""

from __future__ import annotations

import contextlib
import inspect
from pathlib import Path

import pytest
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry
from pytest_bdd.steps import step_function_context_registry

_DEFINITIONS_SEEN = pytest.StashKey[dict[tuple[str, str], set[str]]]()


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
    module, so kept on the module's node (looking them up took most of a run's collection)."""
    seen = item.parent.stash.setdefault(_DEFINITIONS_SEEN, {})
    if (step.type, step.name) not in seen:
        fixturedefs = find_fixturedefs_for_step(step, item.session._fixturemanager, item)
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


def feature_file_problem(error: BaseException, rootpath: Path) -> str | None:
    """A feature file pytest-bdd could not parse, as one line naming the file, the line and the fix."""
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
