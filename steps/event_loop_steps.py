"""An async test project under pytest-asyncio: its files, its run by real pytest, and what each test ended with."""

from pathlib import Path

from pytest_bdd import given, then, when

from support.event_loop_runs import ProjectRun, run_async_project
from support.lint_runs import write_module


@given("the test project's pytest.ini:")
def _(modules_directory: Path, docstring: str):
    write_module(modules_directory, "pytest.ini", docstring)


@when("pytest runs the test project, with pytest-asyncio", target_fixture="project_run")
def _(modules_directory: Path, database) -> ProjectRun:
    """Its conftest reads the suite's database, on asyncpg, from DATABASE_URL."""
    return run_async_project(modules_directory, database.async_url)


@then("the tests ended:")
def _(project_run: ProjectRun, datatable):
    """Every test of the run, each row its outcome, the error it raised, and a part of that error's text."""
    header, *rows = datatable
    assert header == ["test", "outcome", "error", "text"], f"use the columns test | outcome | error | text: {header}"
    assert sorted(project_run.verdicts) == sorted(row[0] for row in rows), project_run.output[-3000:]
    for test, outcome, error, text in rows:
        verdict = project_run.verdicts[test]
        assert verdict.outcome == outcome, f"{test} {verdict.outcome}, not {outcome}: {verdict.message}"
        if outcome == "passed":
            continue
        assert verdict.raised(error), f"{test} raised another error than {error}: {verdict.message}"
        assert text in verdict.message, f"{test}: {text!r} is not in {verdict.message!r}"
