"""The lifecycle test: a test file a scenario wrote, run by real pytest against the incident's HR application."""

from pathlib import Path

from pytest_bdd import given, parsers, then, when

from support.lifecycle_runs import PytestRun, run_pytest
from support.lint_runs import write_module
from support.parameter_types import typed


@when(
    typed("pytest runs {test_file} against the HR application whose scoped session is {removed:SessionLifetime}"),
    target_fixture="pytest_run",
)
def _(modules_directory: Path, database, test_file: str, removed: bool) -> PytestRun:
    """The test file comes from a "Given the module ..." step; the application is built as its server builds it."""
    url = database.url.render_as_string(hide_password=False)
    return run_pytest(modules_directory, test_file, url, remove_at_teardown=removed)


@then("the lifecycle test passes")
def _(pytest_run: PytestRun):
    assert (pytest_run.exit_code, pytest_run.summary) == (0, "1 passed"), pytest_run.output


@then(parsers.parse("the lifecycle test fails, the read showing {email}"))
def _(pytest_run: PytestRun, email: str):
    assert (pytest_run.exit_code, pytest_run.summary) == (1, "1 failed"), pytest_run.output
    assert f"AssertionError: assert '{email}' ==" in pytest_run.output, pytest_run.output


@given(parsers.parse("the test file {name}:"))
def _(modules_directory: Path, name: str, docstring: str):
    write_module(modules_directory, name, docstring)
