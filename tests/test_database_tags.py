"""Database tags (support.databases): a scenario for another database is not applicable, with the reason; a
malformed or unknown tag, or tags naming no database together, refused in one line naming the fix. Run on SQLite,
on the outer run's PostgreSQL, and on a private MariaDB where its binaries are installed."""

import textwrap

import pytest

from support import databases
from tests.helpers.samples import DIVISION_STEPS

TAGGED = """
    Feature: databases
      @database:postgresql
      Scenario: on PostgreSQL
        Given a number
        When it is divided by 2
        Then there is a result

      @database:sqlite
      Scenario: on SQLite
        Given a number
        When it is divided by 2
        Then there is a result

      Scenario: anywhere
        Given a number
        When it is divided by 2
        Then there is a result
"""


@pytest.fixture
def run_spec(pytester: pytest.Pytester, spec_server):
    """Runs a feature file with the division steps on SQLite (``--db=sqlite``), or on the outer run's server."""
    pytester.makeconftest('pytest_plugins = ["support.pytest_plugin", "support.report.collector"]')
    pytester.makeini("[pytest]\nmarkers =\n    area: an area tag\n")
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)

    def run(feature: str, database: str, *arguments: str) -> pytest.RunResult:
        pytester.makefile(".feature", spec=textwrap.dedent(feature))
        pytester.makepyfile(test_spec=DIVISION_STEPS)
        chosen = {"sqlite": ["--db=sqlite"], "mysql": ["--db=mariadb"]}.get(
            database, ["--db=url", f"--db-url={admin_url}"]
        )
        return pytester.runpytest_subprocess("--strict-markers", "-rA", "-p", "no:randomly", *chosen, *arguments)

    return run


@pytest.mark.parametrize(("database", "other"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_scenario_for_another_database_is_not_applicable_with_the_reason(run_spec, pytester, database, other):
    result = run_spec(TAGGED, database, "--spec-results=results.json")
    result.assert_outcomes(passed=2, skipped=1)
    names = databases.NAMES
    result.stdout.fnmatch_lines(
        [f"*not applicable: describes {names[other]} (@database:{other}), this run is on {names[database]}*"]
    )
    from support.evidence import Results

    results = Results.read(pytester.path / "results.json")
    assert results.run.dialect == database
    statuses = {record.scenario.name: (record.status, record.database) for record in results.scenarios}
    assert statuses == {
        f"on {names[database]}": ("passed", database),
        f"on {names[other]}": ("not_applicable", database),
        "anywhere": ("passed", database),
    }


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("@database:oracle", "*spec.feature:2: database tag @database:oracle is not valid: write one of "
         "@database:postgresql, @database:sqlite, @database:mysql, or several named once each after one colon "
         "(@database:postgresql,sqlite)"),
        ("@database=sqlite", "*spec.feature:2: database tag @database=sqlite is not valid: write one of "
         "@database:postgresql, @database:sqlite, @database:mysql (a colon after database), or several named once "
         "each after one colon (@database:postgresql,sqlite)"),
        ("@database:sqlite,sqlite", "*spec.feature:2: database tag @database:sqlite,sqlite is not valid: *"),
        ("@database:postgresql,mysql @database:sqlite", "*spec.feature:2: database tags @database:* and @database:* "
         "together describe no single database, so the scenario would run nowhere: *"),
        ("@database:sqlite @database:postgresql", "*spec.feature:2: database tags @database:* and @database:* "
         "together describe no single database, so the scenario would run nowhere: keep the one it describes, or "
         "split it into a pair of scenarios, one per database"),
    ],
)  # fmt: skip
def test_a_bad_database_tag_is_refused_in_one_line(run_spec, tags, expected):
    result = run_spec(
        f"""
        Feature: databases
          {tags}
          Scenario: tagged
            Given a number
            When it is divided by 2
            Then there is a result
        """,
        "sqlite",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    assert "undeclared tag" not in result.stdout.str()


def test_a_feature_tag_covers_its_scenarios_and_the_header_names_sqlite(run_spec):
    result = run_spec(
        """
        @database:postgresql
        Feature: PostgreSQL's
          Scenario: one
            Given a number
            When it is divided by 2
            Then there is a result
        """,
        "sqlite",
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["database: SQLite 3.* (file databases in */sqlite/run-*)*", "*drivers: pysqlite *"])


SEVERAL = """
    Feature: databases
      @database:postgresql,sqlite
      Scenario: on PostgreSQL and SQLite
        Given a number
        When it is divided by 2
        Then there is a result

      @database:mysql
      Scenario: on MySQL/MariaDB
        Given a number
        When it is divided by 2
        Then there is a result
"""


@pytest.mark.parametrize(
    ("database", "passed", "reason"),
    [
        ("sqlite", "on PostgreSQL and SQLite", "describes MySQL/MariaDB (@database:mysql), this run is on SQLite"),
        (
            "mysql",
            "on MySQL/MariaDB",
            "describes PostgreSQL and SQLite (@database:postgresql,sqlite), this run is on MySQL/MariaDB",
        ),
    ],
)
def test_a_tag_naming_several_databases_runs_on_each_and_is_not_applicable_elsewhere(
    run_spec, pytester, database, passed, reason
):
    if database == "mysql":
        from support.database.mysql import binaries
        from support.database.server import ProviderUnavailable

        try:
            binaries.find(None)
        except ProviderUnavailable as missing:
            pytest.skip(str(missing))
    result = run_spec(SEVERAL, database, "--spec-results=results.json")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*not applicable: {reason}*"])
    from support.evidence import Results

    results = Results.read(pytester.path / "results.json")
    statuses = {record.scenario.name: record.status for record in results.scenarios}
    assert statuses[passed] == "passed"
