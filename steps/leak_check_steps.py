"""The session-leak check: a test project written for the scenario, run by real pytest with the plugin."""

from pathlib import Path

from pytest_bdd import given, parsers, then, when

from support.database.harness import SpecDatabase
from support.leak_check_runs import LeakCheckRun, line_pattern, run_project, serve_the_fixed_application, write_project
from support.lint_runs import write_module
from support.parameter_types import typed


@given(parsers.parse("a test project with {ini} in its pytest.ini"), target_fixture="test_project")
def _(modules_directory: Path, ini: str) -> Path:
    """The project of support/leak_check_project/: its engine, its scoped_session, the HR app under waitress."""
    write_project(modules_directory, ini)
    return modules_directory


@given(typed("the project's application has its scoped session {lifetime:SessionLifetime}"))
def _(test_project: Path, lifetime: bool):
    serve_the_fixed_application(test_project, lifetime)


@given(parsers.parse("its test file {name}:"))
def _(test_project: Path, name: str, docstring: str):
    write_module(test_project, name, docstring)


@when("pytest runs the test project", target_fixture="leak_check_run")
def _(test_project: Path, database: SpecDatabase) -> LeakCheckRun:
    return run_project(test_project, database.url)


@then(parsers.parse("the test {test} fails with one line:"))
def _(leak_check_run: LeakCheckRun, test: str, docstring: str):
    """The test is counted failed, and the run printed exactly one leak line, this one (… varies by run)."""
    output = leak_check_run.output
    assert leak_check_run.outcomes.get(test) == "FAILED", output
    assert len(leak_check_run.leak_lines) == 1, output
    assert line_pattern(docstring.strip()).match(leak_check_run.leak_lines[0]), output
    assert leak_check_run.exit_code == 1, output


@then("every test passes, and no session leak is reported")
def _(leak_check_run: LeakCheckRun):
    output = leak_check_run.output
    assert leak_check_run.outcomes, output
    assert set(leak_check_run.outcomes.values()) == {"PASSED"}, output
    assert (leak_check_run.leak_lines, leak_check_run.exit_code) == ([], 0), output
