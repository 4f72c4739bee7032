"""The harness's guards, checked by running small real specifications with pytester."""

import json
import textwrap

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from support import versions
from support.report import upgrading
from tests.helpers.samples import BAD_FEATURES, DIVISION_STEPS

FEATURE = """\
Feature: division
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result
"""
STEPS = (
    DIVISION_STEPS
    + """

@then("the division is refused")
def _(outcome):
    outcome.claim(ZeroDivisionError)
"""
)


@pytest.fixture
def run_spec(pytester: pytest.Pytester, spec_server):
    """Runs a feature file with the steps above, on the outer run's server (through the url provider)."""
    pytester.makeconftest('pytest_plugins = ["support.pytest_plugin"]')
    pytester.makeini("[pytest]\nmarkers =\n    area: an area tag\n")
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)

    def run(feature: str, steps: str = STEPS, *arguments: str) -> pytest.RunResult:
        pytester.makefile(".feature", spec=textwrap.dedent(feature))
        pytester.makepyfile(test_spec=steps)
        # in a process of its own: after these in-process runs, asyncpg's protocol later crashed this process
        # (SIGSEGV in BaseProtocol.__init__, seen under load); an in-process run also unloads what it imported
        # in file order (pytest-randomly would shuffle the inner run too)
        return pytester.runpytest_subprocess(
            "--strict-markers", "-rA", "-p", "no:randomly", "--db=url", f"--db-url={admin_url}", *arguments
        )

    return run


def test_a_claimed_error_passes_and_an_unclaimed_one_fails(run_spec):
    result = run_spec("""
        Feature: division
          Scenario: claimed
            Given a number
            When it is divided by 0
            Then the division is refused

          Scenario: unclaimed
            Given a number
            When it is divided by 0
            Then there is a result
    """)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*the action raised ZeroDivisionError*"])


def test_an_error_no_then_looks_at_fails_the_scenario(run_spec):
    steps = STEPS.replace('@then("there is a result")', '@then("nothing is checked")').replace(
        "    outcome.succeeded()", "    pass"
    )
    result = run_spec(
        """
        Feature: division
          Scenario: unchecked
            Given a number
            When it is divided by 0
            Then nothing is checked
        """,
        steps,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*raised ZeroDivisionError*and no Then step claimed it*"])


def test_a_scenario_without_steps_or_without_then_fails(run_spec):
    result = run_spec("""
        Feature: shapes
          Scenario: empty

          Scenario: no then
            Given a number
            When it is divided by 2
    """)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(['*scenario "empty" (*spec.feature:2) has no steps*', '*"no then"*has no Then step*'])


def test_an_ambiguous_step_fails_naming_both_definitions(run_spec):
    steps = (
        STEPS
        + """

@when("it is divided by 2")
def _():
    pass
"""
    )
    result = run_spec(
        """
        Feature: ambiguity
          Scenario: two definitions
            Given a number
            When it is divided by 2
            Then there is a result
        """,
        steps,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ['*"When it is divided by 2"*matches 2 step definitions: test_spec.py:*, test_spec.py:*']
    )


def test_a_scenario_outside_its_version_range_is_not_applicable(run_spec):
    result = run_spec("""
        Feature: versions
          @sqlalchemy:<2.0
          Scenario: ancient
            Given a number
            When it is divided by 2
            Then there is a result

          @sqlalchemy:>=1.4
          Scenario: current
            Given a number
            When it is divided by 2
            Then there is a result
    """)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not applicable: describes SQLAlchemy <2.0, this run has 2.*"])


def test_a_malformed_version_tag_fails_its_scenario_in_one_line(run_spec):
    malformed = run_spec("""
        Feature: versions
          @sqlalchemy:soon
          Scenario: unclear
            Given a number
            When it is divided by 2
            Then there is a result
    """)
    malformed.assert_outcomes(errors=1)
    malformed.stdout.fnmatch_lines(
        ["*spec.feature:2: version tag @sqlalchemy:soon is not valid: write @sqlalchemy:<specifier>*"]
    )


def test_an_undeclared_tag_fails_its_scenario_in_one_line(run_spec):
    unknown = run_spec("""
        Feature: tags
          @undeclared
          Scenario: unknown tag
            Given a number
            When it is divided by 2
            Then there is a result
    """)
    unknown.assert_outcomes(errors=1)
    unknown.stdout.fnmatch_lines(
        ['scenario "unknown tag" (*spec.feature:3) has the undeclared tag @undeclared: declare it in the pytest '
         "markers of tox.ini, or remove it"]
    )  # fmt: skip


def test_a_scenario_name_used_twice_in_a_feature_is_refused_naming_both_lines(run_spec):
    twice = run_spec("""
        Feature: names
          Scenario: halving
            Given a number
            When it is divided by 2
            Then there is a result

          Rule: a rule does not make a name its own
            Scenario: halving
              Given a number
              When it is divided by 0
              Then the division is refused
    """)
    twice.assert_outcomes(errors=1)
    twice.stdout.fnmatch_lines(
        ['*spec.feature:2 and line 8: two scenarios are named "halving", and only the last would run: give each '
         "scenario of a feature a name of its own"]
    )  # fmt: skip


def test_a_feature_file_without_scenarios_is_refused_and_the_others_run(run_spec, pytester: pytest.Pytester):
    pytester.makefile(".feature", empty="Feature: nothing yet\n  Prose, and no scenario.\n")
    steps = STEPS.replace('scenarios("spec.feature")', 'scenarios("spec.feature", "empty.feature")')
    result = run_spec(FEATURE, steps)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ['*empty.feature:1: feature "nothing yet" has no scenario, so none of it runs: add a Scenario, or remove '
         "the file"]
    )  # fmt: skip


def test_an_examples_table_lacking_a_column_is_named_not_the_step(run_spec):
    result = run_spec("""
        Feature: outlines
          Scenario Outline: halving
            Given a number
            When it is divided by <divisor>
            Then there is a result

            Examples:
              | dividend |
              | 4        |
    """)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ['*spec.feature:7: the Examples table of scenario outline "halving" lacks the column <divisor> that step '
         '"When it is divided by <divisor>" (line 4) uses: add the column to the table, or reword the step']
    )  # fmt: skip
    assert "has no step definition" not in result.stdout.str()


def test_a_feature_file_starting_with_a_byte_order_mark_is_read(run_spec, pytester: pytest.Pytester):
    (pytester.path / "marked.feature").write_bytes("\ufeff@area\n".encode() + FEATURE.encode())
    steps = STEPS.replace('scenarios("spec.feature")', 'scenarios("spec.feature", "marked.feature")')
    result = run_spec(FEATURE.replace("halving", "plain"), steps)
    result.assert_outcomes(passed=2)


def test_a_failed_session_fixture_is_reported_once_and_the_rest_not_run(run_spec):
    steps = (
        STEPS.replace('@given("a number")\ndef _():', '@given("a number")\ndef _(broken_resource):')
        + """

@pytest.fixture(scope="session")
def broken_resource():
    raise RuntimeError("the resource is broken")
"""
    ).replace("from pytest_bdd import", "import pytest\nfrom pytest_bdd import")
    scenario = "  Scenario: {}\n    Given a number\n    When it is divided by 2\n    Then there is a result\n"
    feature = "Feature: division\n" + "".join(scenario.format(name) for name in ("one", "two", "three"))
    result = run_spec(feature, steps, "-rs")
    result.assert_outcomes(failed=1, skipped=2)  # the step asked for it: the failure is its scenario's
    output = result.stdout.str()
    assert output.count("the resource is broken") == 1, output
    assert "Traceback" not in output
    result.stdout.fnmatch_lines(
        [
            "the session fixture broken_resource failed: RuntimeError: the resource is broken",
            "SKIPPED [[]2[]] *not run: the session fixture broken_resource failed (the error above)",
        ]
    )


@pytest.mark.parametrize(
    ("specifier", "version", "applies"),
    [
        ("<2.0", "1.4.54", True),
        ("<2.0", "2.0.0", False),
        (">=2.0", "2.0.0b4", True),  # a pre-release belongs to its line
        (">=2.0,<2.1", "2.1.9", False),
        (">=2.1", "2.1.0.dev0+local", True),
    ],
)
def test_version_tags_compare_lines_not_release_details(specifier, version, applies):
    assert versions.applies(SpecifierSet(specifier), Version(version)) is applies


def test_an_unsupported_sqlalchemy_is_named_with_the_supported_range():
    assert versions.unsupported_reason(Version("2.1.9")) is None
    assert "1.3.24 is not supported" in versions.unsupported_reason(Version("1.3.24"))


@pytest.mark.parametrize(
    ("sample", "expected", "not_said"),
    [
        ("version_tag_selecting_no_line", "*spec.feature:2: version tag @sqlalchemy:==2.0 selects none of the "
         "supported lines (1.4, 2.0, 2.1), so the scenario would run nowhere: write a range that contains one of them, "
         "e.g. @sqlalchemy:>=2.0,<2.1 for 2.0", "not applicable"),
        ("version_tag_beyond_the_lines",
         "*spec.feature:2: version tag @sqlalchemy:>=2.2 selects none of the supported*", "not applicable"),
        ("contradictory_version_tags", "*spec.feature:3: version tags @sqlalchemy:<2.0 and @sqlalchemy:>=2.0 together "
         "select none of the supported lines*", "not applicable"),
        ("version_tag_without_colon", "*spec.feature:2: version tag @sqlalchemy>=2.0 is not valid: write "
         "@sqlalchemy:<specifier> (a colon after sqlalchemy), e.g. @sqlalchemy:>=2.0 or @sqlalchemy:>=1.4,<2.0",
         "has the undeclared tag"),
        ("two_whens", '*scenario "halving twice" (*spec.feature:2) has 2 When steps (lines 4, 5): a scenario has '
         "exactly one When, the thing under study; make the others Givens, or split the scenario", "passed"),
    ],
)  # fmt: skip
def test_a_bad_feature_is_refused_in_one_line_naming_its_file_and_line(run_spec, sample, expected, not_said):
    """Version tags that together select no supported line, a version tag without its colon, two Whens."""
    result = run_spec((BAD_FEATURES / f"{sample}.feature").read_text())
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    assert not_said not in result.stdout.str().rsplit("short test summary info", 1)[-1]


def test_a_feature_file_no_test_module_binds_is_refused_naming_it(run_spec, pytester: pytest.Pytester):
    (pytester.path / "nobody" / "binds").mkdir(parents=True)
    (pytester.path / "nobody" / "binds" / "forgotten.feature").write_text(FEATURE)
    result = run_spec(FEATURE)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*nobody/binds/forgotten.feature: no test module binds this feature file, so none of it runs: call "
         "scenarios() on its folder in a steps/test_<area>.py (one per area), or move the file into an area that has "
         "one"]
    )  # fmt: skip


def test_a_feature_in_a_nested_folder_is_bound_by_its_area(run_spec, pytester: pytest.Pytester):
    (pytester.path / "area" / "topic").mkdir(parents=True)
    (pytester.path / "area" / "topic" / "nested.feature").write_text(FEATURE.replace("halving", "nested halving"))
    (pytester.path / "area" / "topic" / "broken.feature").write_text(
        FEATURE.replace("halving", "broken halving").replace("When it is divided by 2", "When it is shaken")
    )
    steps = STEPS.replace('scenarios("spec.feature")', 'scenarios("spec.feature", "area")')
    results = pytester.path / "results.json"
    result = run_spec(FEATURE, steps, "-p", "support.report.collector", f"--spec-results={results}")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(['*step "When it is shaken" (*area/topic/broken.feature:4) has no step definition*'])
    files = {scenario["feature"]["file"] for scenario in json.loads(results.read_text())["scenarios"]}
    assert {file.removeprefix(pytester.path.name + "/") for file in files} >= {"area/topic/nested.feature"}, files


def test_an_invalid_version_tag_stops_the_upgrading_guide_in_one_line(tmp_path, monkeypatch):
    features = tmp_path / "features"
    (features / "area").mkdir(parents=True)
    (features / "area" / "bad.feature").write_text((BAD_FEATURES / "bad_version_tag.feature").read_text())
    monkeypatch.setattr(upgrading, "FEATURES", features)
    with pytest.raises(upgrading.InvalidVersionTag) as refused:
        upgrading.section()
    assert str(refused.value) == (
        "features/area/bad.feature:2: version tag @sqlalchemy:>=banana is not valid: write @sqlalchemy:<specifier>, "
        "e.g. @sqlalchemy:>=2.0 or @sqlalchemy:>=1.4,<2.0"
    )


def test_the_supported_lines_are_the_lines_nox_runs():
    import ast
    from pathlib import Path

    noxfile = ast.parse((Path(__file__).resolve().parents[1] / "noxfile.py").read_text())
    assigned = next(
        node.value for node in ast.walk(noxfile)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SQLALCHEMY_LINES"
    )  # fmt: skip
    assert tuple(ast.literal_eval(assigned)) == versions.LINES


@pytest.mark.parametrize(
    ("tags", "selects"),
    [(["sqlalchemy:<2.0"], True), (["sqlalchemy:>=2.0,<2.1"], True), (["sqlalchemy:==2.0.*"], True),
     (["sqlalchemy:==2.0"], False), (["sqlalchemy:>=2.2"], False), (["sqlalchemy:<1.4"], False),
     (["sqlalchemy:>=2.0", "sqlalchemy:<2.0"], False)],
)  # fmt: skip
def test_a_version_range_selects_a_line_when_it_holds_a_release_of_it(tags, selects):
    assert (versions.no_line_reason(tags) is None) is selects


def test_the_no_warning_claim_counts_every_sqlalchemy_warning_of_the_when_only():
    """SAWarning, the deprecation warnings (no SAWarning) and subclasses of either; a step other than the When's is
    not looked at."""
    import warnings

    from sqlalchemy import exc

    from support.warnings_log import WarningsLog

    class OwnWarning(exc.SADeprecationWarning):
        pass

    log = WarningsLog()
    for step, category in enumerate([exc.SAWarning, exc.SADeprecationWarning, OwnWarning, exc.MovedIn20Warning]):
        log.start_step(step)
        warnings.warn("warned", category, stacklevel=1)
        log.end_step()
    log.start_step(4)
    warnings.warn("not SQLAlchemy's", UserWarning, stacklevel=1)
    log.end_step()
    assert [entry.step for entry in log.from_sqlalchemy_during({0, 1, 2, 3, 4})] == [0, 1, 2, 3]
    assert log.from_sqlalchemy_during({4}) == []
