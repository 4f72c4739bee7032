"""The step catalogue: every step definition pytest loads for this project, with the features that use it.

The definitions come from a collection-only pytest session over the project, read the way pytest-bdd finds a
step's definition (the step fixtures in pytest's fixture manager, their contexts in pytest-bdd's registry): so
the catalogue lists exactly what the root conftest.py wires in, and nothing else. Only the loading runs (no
scenario is collected, the harness plugin is blocked so no database starts); it takes about a second, the
imports of the step modules.

Each phrase is shown as a writer of features reads it: a parse field as written (``{operation:Operation}``, the
named parameter types of support/parameter_types.py listed with their phrases), and a regular expression's
groups as fields too (``(?P<error>...)`` as ``{error}``, ``(?:a|b)`` as ``[a | b]``), so no page shows a raw
regular expression. Each definition comes with a step of a feature that uses it, and the definitions are
grouped by their module, which is the concept they belong to.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:
    from re import _parser as regex_parser  # Python 3.11+
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as regex_parser

import pytest
from pytest_bdd.compat import get_fixture_names, getfixturedefs
from pytest_bdd.parsers import StepParser
from pytest_bdd.parsers import re as regex_step_parser
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
class Part:
    """A piece of a phrase: words as written, a {field}, or a [choice | of | wordings]."""

    text: str
    kind: str = "words"  # words, field or choice
    title: str = ""  # what a field takes


@dataclass
class ExampleUse:
    keyword: str
    text: str
    page: str
    anchor: str


@dataclass
class StepDefinition:
    type: str  # given, when, then, or step (any of them)
    phrase: str  # as written in its parser: a parse format with its {name:Type} fields, or a regular expression
    docstring: str
    module: str
    line: int
    parser: StepParser
    used_in: list[FeatureLink] = field(default_factory=list)
    example: ExampleUse | None = None  # the first step of a feature it matches

    @property
    def parts(self) -> list[Part]:
        if isinstance(self.parser, regex_step_parser):
            return regex_parts(self.phrase)
        return format_parts(self.phrase)

    @property
    def readable(self) -> str:
        return "".join(part.text for part in self.parts)


@dataclass
class StepModule:
    """The step definitions of one concept (one steps module), with the first line of its docstring."""

    name: str
    summary: str
    definitions: list[StepDefinition]


FIELD = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
NUMBERS = {"d": "a whole number", "n": "a number with thousands separators", "f": "a decimal number", "g": "a number"}


def format_parts(phrase: str) -> list[Part]:
    """A parse format's words and {name:Type} fields; a named type's title lists the phrases it matches."""
    from support.parameter_types import TYPES  # the project's named types; a catalogue of another project has none

    parts, start = [], 0
    for found in FIELD.finditer(phrase):
        parts.append(Part(phrase[start : found.start()]))
        kind = found[2]
        choice = TYPES.get(kind or "")
        if choice is not None:
            phrases = getattr(choice, "values", None) or getattr(choice.item, "values", {})
            title = f"{kind}: one of " + " | ".join(phrases)
        else:
            title = NUMBERS.get(kind or "", f"{kind} value" if kind else "any words")
        parts.append(Part(found[0], "field", title))
        start = found.end()
    parts.append(Part(phrase[start:]))
    return [part for part in parts if part.text]


def regex_parts(pattern: str) -> list[Part]:
    """A regular expression read as a phrase: named groups as {fields}, alternatives as [a | b], an optional
    letter as (s), escapes as the character they stand for."""
    parsed = regex_parser.parse(pattern)
    names = {number: name for name, number in parsed.state.groupdict.items()}

    def walk(items, parts: list[Part]) -> list[Part]:
        def add(text: str, kind: str = "words", title: str = "") -> None:
            if kind == "words" and parts and parts[-1].kind == "words":
                parts[-1].text += text
            else:
                parts.append(Part(text, kind, title))

        for op, value in items:
            name = str(op)
            if name == "LITERAL":
                add(chr(value))
            elif name == "SUBPATTERN" and names.get(value[0]):
                add(f"{{{names[value[0]]}}}", "field", "any words the pattern allows")
            elif name == "SUBPATTERN":
                walk(value[-1], parts)
            elif name == "BRANCH":
                add("[" + " | ".join(plain(branch) for branch in value[1]) + "]", "choice")
            elif name == "IN" and all(str(o) == "LITERAL" for o, _ in value):
                add("[" + " | ".join(chr(v) for _, v in value) + "]", "choice")
            elif name == "MAX_REPEAT" and value[:2] == (0, 1):
                add("(" + plain(value[2]) + ")")
            elif name != "AT":  # anything else the pattern matches: a field with no name
                add("{…}", "field", "words the pattern allows")
        return parts

    def plain(items) -> str:
        return "".join(part.text for part in walk(items, []))

    return walk(parsed, [])


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


@functools.lru_cache(maxsize=4)
def step_contexts(root: Path) -> list[StepFunctionContext]:
    """pytest-bdd's context of every step definition registered when pytest loads the project at ``root``; loaded
    once per process and root (a second render in the same process reuses them)."""
    reader = _StepFixtureReader()
    arguments = ["--collect-only", "--capture=no", "--assert=plain", "-q", "--rootdir", str(root)]
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


def catalogue(rows: list[Row], root: Path = ROOT) -> list[StepModule]:
    """Every step definition, by module, with the feature pages whose scenarios use it (an unused one has none)
    and the first of those steps as its example."""
    definitions = step_definitions(root)
    uses: dict[tuple[str, str], list[tuple[Row, str]]] = {}  # each distinct step once: (type, text) -> its uses
    for row in rows:
        record = row.representative()
        for step in record.steps if record else []:
            uses.setdefault((step.type, step.text), []).append((row, step.keyword))
    linked: dict[int, set[str]] = {id(definition): set() for definition in definitions}  # pages already linked
    for (kind, text), used in uses.items():
        for definition in definitions:
            if definition.type in (kind, "step") and definition.parser.is_matching(text):
                for row, _keyword in used:
                    if row.page not in linked[id(definition)]:
                        linked[id(definition)].add(row.page)
                        definition.used_in.append(FeatureLink(row.page, row.feature_name))
                first_row, keyword = used[0]
                if definition.example is None:
                    definition.example = ExampleUse(keyword, text, first_row.page, first_row.anchor)
    modules: dict[str, list[StepDefinition]] = {}
    for definition in definitions:
        modules.setdefault(definition.module, []).append(definition)
    return [StepModule(name, _summary(name), found) for name, found in modules.items()]


def _summary(module: str) -> str:
    loaded = sys.modules.get(module)
    return (inspect.getdoc(loaded) or "").split("\n\n", 1)[0].replace("\n", " ") if loaded else ""
