"""The step catalogue: every step definition pytest loads for this project, with the features that use it.

The definitions come from a collection-only pytest session over the project, read the way pytest-bdd finds a
step's definition (the step fixtures in pytest's fixture manager, their contexts in pytest-bdd's registry): so
the catalogue lists exactly what the root conftest.py wires in, and nothing else. Only the loading runs (no
scenario is collected, the harness plugin is blocked so no database starts); it takes about a second, the
imports of the step modules.
"""

from __future__ import annotations

import contextlib
import inspect
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd.compat import get_fixture_names, getfixturedefs
from pytest_bdd.parsers import StepParser
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from support.report.model import Row

ROOT = Path(__file__).resolve().parent.parent.parent
# not loaded for the catalogue: the harness starts a database at session start, randomly and faulthandler reach
# into process-wide state; none of them registers a step
LEFT_OUT = ("support.pytest_plugin", "randomly", "faulthandler")


@dataclass
class FeatureLink:
    page: str
    name: str


@dataclass
class StepDefinition:
    type: str  # given, when, then, or step (any of them)
    phrase: str  # as written in its parser: a parse format with its {name:Type} fields, or a regular expression
    docstring: str
    module: str
    line: int
    parser: StepParser
    used_in: list[FeatureLink] = field(default_factory=list)


class _StepFixtureReader:
    """A plugin for the collection-only session: reads the step definitions, then skips the collection."""

    def __init__(self) -> None:
        self.contexts: list[StepFunctionContext] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        fixturemanager = session._fixturemanager  # as pytest-bdd itself (and support.guards) reach it
        for name in get_fixture_names(fixturemanager=fixturemanager):
            for fixturedef in getfixturedefs(fixturemanager, name, session) or []:
                context = step_function_context_registry.get(fixturedef.func)
                if context is not None:
                    self.contexts.append(context)
        return True


def step_contexts(root: Path) -> list[StepFunctionContext]:
    """pytest-bdd's context of every step definition registered when pytest loads the project at ``root``."""
    reader = _StepFixtureReader()
    arguments = ["--collect-only", "--capture=no", "-q", "--rootdir", str(root)]
    arguments += [option for plugin in LEFT_OUT for option in ("-p", f"no:{plugin}")]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        exit_code = pytest.main([*arguments, str(root)], plugins=[reader])
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) or not reader.contexts:
        raise SystemExit(f"the step definitions could not be loaded (pytest said:)\n{output.getvalue()}")
    return reader.contexts


def step_definitions(root: Path = ROOT) -> list[StepDefinition]:
    """The project's step definitions (not pytest-bdd's own), in the order of their modules and lines."""
    definitions = []
    for context in step_contexts(root):
        function = inspect.unwrap(context.step_func)
        if function.__module__.split(".", 1)[0] == "pytest_bdd":
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
    """Every step definition with the feature pages whose scenarios use it; an unused one has none."""
    definitions = step_definitions()
    for row in rows:
        record = row.representative()
        for step in record.steps if record else []:
            for definition in definitions:
                matches = definition.type in (step.type, "step") and definition.parser.is_matching(step.text)
                link = FeatureLink(row.page, row.page.removeprefix("features/").removesuffix(".html"))
                if matches and link not in definition.used_in:
                    definition.used_in.append(link)
    return definitions
