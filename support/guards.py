"""Checks that pytest-bdd does not make: a scenario must have steps and a Then, and each step must
match exactly one step definition."""

from __future__ import annotations

import contextlib
import inspect
from pathlib import Path

import pytest
from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry
from pytest_bdd.steps import step_function_context_registry


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


def ambiguity_problem(scenario, item: pytest.Item) -> str | None:
    fixturemanager = item.session._fixturemanager
    for step in scenario.steps:
        definitions = {}
        for fixturedef in find_fixturedefs_for_step(step, fixturemanager, item):
            context = step_function_context_registry[fixturedef.func]
            definitions[_location(context.step_func)] = context
        if len(definitions) > 1:
            return (
                f'step "{step.type.capitalize()} {step.name}" ({scenario.feature.rel_filename}:{step.line_number}) '
                f"matches {len(definitions)} step definitions: {', '.join(sorted(definitions))}; "
                "reword one of them so each step has exactly one"
            )
    return None


def _location(function) -> str:
    function = inspect.unwrap(function)
    path = Path(inspect.getsourcefile(function) or "?")
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path.cwd())
    return f"{path}:{inspect.getsourcelines(function)[1]}"
