"""The teardown lint: modules written for a scenario, and real flake8 run on them in a process of its own."""

from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from support.lint_runs import LintRun, module_directories, run_flake8, write_module

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def lint_directories():
    with module_directories() as fresh_directory:
        yield fresh_directory


@pytest.fixture
def modules_directory(lint_directories) -> Path:
    """Where this scenario's modules are written, and flake8 runs."""
    return lint_directories()


@given(parsers.parse("the module {name}:"))
def _(modules_directory: Path, name: str, docstring: str):
    write_module(modules_directory, name, docstring)


@when(parsers.re(r"flake8 checks (?P<names>[\w./]+(?: and [\w./]+)*)"), target_fixture="lint_run")
def _(modules_directory: Path, names: str) -> LintRun:
    return run_flake8(modules_directory, *names.split(" and "))


@when(parsers.parse("flake8 checks the specification's own {path}"), target_fixture="lint_run")
def _(path: str) -> LintRun:
    assert (ROOT / path).is_file(), f"{path} is not a file of this repository"
    return run_flake8(ROOT, path)


@then("flake8 prints:")
def _(lint_run: LintRun, docstring: str):
    """Exactly these lines, nothing on stderr, and the exit status that fails a build."""
    assert lint_run.lines == docstring.splitlines(), lint_run.output + lint_run.errors
    assert (lint_run.errors, lint_run.exit_code) == ("", 1)


@then("flake8 reports nothing")
def _(lint_run: LintRun):
    assert (lint_run.output, lint_run.errors, lint_run.exit_code) == ("", "", 0)


@then(parsers.parse("flake8 prints one line, {code} on line {line:d} of {name}"))
def _(lint_run: LintRun, code: str, line: int, name: str):
    assert len(lint_run.lines) == 1, lint_run.output
    [report] = lint_run.reports
    assert (report.file, report.line, report.code) == (name, line, code), lint_run.output
    assert (lint_run.errors, lint_run.exit_code) == ("", 1)
