"""pytest-bdd's search for the step definitions a step matches, done once per test module and step.

pytest-bdd (``pytest_bdd.scenario.find_fixturedefs_for_step``) answers, for every step it runs, by asking pytest
which definitions of each of the ~95 registered fixture names the test sees (a quarter of a million questions a
run), then trying the parser of every step definition among them: the largest single cost of the pytest process.
The step definitions a test sees are those of its module (conftest.py registers them for the whole run), so this
module lists them once per module, in pytest-bdd's own order, and keeps each step's matches on the module's node:
the harness's guard (at collection) and pytest-bdd (when the step runs) then share one answer, identical to
pytest-bdd's.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from pathlib import Path

import pytest
from pytest_bdd.compat import get_fixture_names, getfixturedefs
from pytest_bdd.steps import step_function_context_registry

from support.evidence import StepDefinition

bdd_scenario = importlib.import_module("pytest_bdd.scenario")  # the module; the package's name is a function

_UNCACHED = bdd_scenario.find_fixturedefs_for_step
_CANDIDATES = pytest.StashKey[list]()  # (fixturedef, step function context) a module's tests see, in order
_MATCHES = pytest.StashKey[dict]()  # (step type, step text) -> the matching fixturedefs


def step_fixturedefs(step, fixturemanager, node) -> list:
    """The fixture definitions of the step definitions matching ``step``, as ``node`` sees them."""
    module = node.parent if isinstance(node, pytest.Function) else None
    if module is None:  # not a scenario's test: pytest-bdd's own search
        return list(_UNCACHED(step, fixturemanager, node))
    matches = module.stash.setdefault(_MATCHES, {})
    key = (step.type, step.name)
    if key not in matches:
        if _CANDIDATES not in module.stash:
            module.stash[_CANDIDATES] = _step_definitions_seen_by(fixturemanager, node)
        matches[key] = [
            fixturedef
            for fixturedef, context in module.stash[_CANDIDATES]
            if (context.type is None or context.type == step.type) and context.parser.is_matching(step.name)
        ]
    return list(matches[key])


def _step_definitions_seen_by(fixturemanager, node) -> list:
    """Every step definition visible to ``node``, in the order pytest-bdd's search meets them."""
    seen = []
    for name in get_fixture_names(fixturemanager=fixturemanager):
        for fixturedef in getfixturedefs(fixturemanager, name, node) or []:
            context = step_function_context_registry.get(fixturedef.func)
            if context is not None:
                seen.append((fixturedef, context))
    return seen


def install() -> None:
    """pytest-bdd looks steps up through this module from now on (it has no hook for the search)."""
    bdd_scenario.find_fixturedefs_for_step = step_fixturedefs


@functools.cache
def _contexts_by_function() -> dict:
    return {context.step_func: context for context in step_function_context_registry.values()}


def step_definition(step_func) -> StepDefinition | None:
    """The definition whose function ``step_func`` is (pytest-bdd hands hooks the function, not its context)."""
    context = _contexts_by_function().get(step_func)
    if context is None:
        _contexts_by_function.cache_clear()  # a step module imported since: look again, once
        context = _contexts_by_function().get(step_func)
    if context is None:
        return None
    code = inspect.unwrap(step_func).__code__
    file = Path(code.co_filename)
    return StepDefinition(context.type, _regex_of(context.parser), _relative(file), code.co_firstlineno)


def _regex_of(parser) -> str:
    """The parser as a regular expression matching a whole step text."""
    if isinstance(getattr(parser, "regex", None), re.Pattern):  # parsers.re: pytest-bdd fullmatches it
        return f"^(?:{parser.regex.pattern})$"
    expression = getattr(getattr(parser, "parser", None), "_expression", None)  # parsers.parse and cfparse
    return f"^{expression}$" if expression else f"^{re.escape(parser.name)}$"  # parsers.string


def _relative(file: Path) -> str:
    root = Path(__file__).resolve().parent.parent
    return str(file.relative_to(root)) if file.is_relative_to(root) else file.name
