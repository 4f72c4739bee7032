"""The living documentation: the grid's states, the feature pages, the step catalogue, Cucumber JSON, and the
site in a real browser (Debian's Chromium, driven by Playwright)."""

import html
import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from support.evidence import (
    FeatureFacts,
    Results,
    RuleFacts,
    RunFacts,
    ScenarioFacts,
    ScenarioRecord,
    SqlEntry,
    StepRecord,
)
from support.report.catalogue import step_definitions
from support.report.site import ROOT, render

LINES = ("1.4", "2.0", "2.1")
FEATURE = FeatureFacts("Joining", "savepoint_rollback/join_transaction_modes.feature", "Prose.", ["savepoint_rollback"])


def record(name: str, status: str, *, reason=None, error=None, sql=("SAVEPOINT sa_savepoint_1",), versions=()):
    test_name = re.sub(r"\W+", "_", name.lower())
    when_status = "failed" if status == "failed" else "passed"
    return ScenarioRecord(
        f"steps/test_savepoint_rollback.py::test_{test_name}[sync]",
        status,
        0.01,
        reason,
        error,
        FEATURE,
        RuleFacts("A rule", "Why the rule holds."),
        ScenarioFacts(name, 10, "", [], list(versions)),
        steps=[
            StepRecord("Given", "given", "order 1 is stored in the state start", 11, None, "passed", 0.001),
            StepRecord("When", "when", "the code under test commits a new order", 12, None, when_status, 0.002, error,
                       [SqlEntry(text, False) for text in sql]),
        ],
    )  # fmt: skip


NOT_APPLICABLE = "not applicable: describes SQLAlchemy >=2.0, this run has 1.4.54"


def write_results(directory: Path, scenarios_per_line: dict[str, list[ScenarioRecord]], database="embedded PostgreSQL"):
    for line, scenarios in scenarios_per_line.items():
        run = RunFacts("3.11.7", f"{line}.9", {"psycopg2": "2.9.13", "asyncpg": "0.32.0"}, "embedded", "18.6", database)
        Results(run, scenarios).write(directory / f"sqlalchemy-{line}.json")


@pytest.fixture
def site(tmp_path) -> Path:
    """A site rendered from hand-made results covering every state of the grid."""
    write_results(
        tmp_path / "results",
        {
            "1.4": [record("Everywhere", "passed"), record("Since two", "not_applicable", reason=NOT_APPLICABLE),
                    record("Until two", "passed"), record("Broken on <2.1>", "passed")],
            "2.0": [record("Everywhere", "passed"), record("Since two", "passed"),
                    record("Until two", "not_applicable", reason="not applicable: describes SQLAlchemy <2.0"),
                    record("Broken on <2.1>", "passed")],
            "2.1": [record("Everywhere", "skipped", reason="no Chromium here"), record("Since two", "passed"),
                    record("Until two", "not_applicable", reason="not applicable: describes SQLAlchemy <2.0"),
                    record("Broken on <2.1>", "failed", error="AssertionError: left behind: {1: 'start', 2: 'new'}")],
        },
    )  # fmt: skip
    render(tmp_path / "results", tmp_path / "site")
    return tmp_path / "site"


def cells(html: str, title: str) -> list[tuple[str, str]]:
    """(state, label) of each cell in the grid row of the scenario called ``title``."""
    row = re.search(rf">{re.escape(title)} \(sync\)</a></td>(.*?)</tr>", html, re.S)[1]
    return re.findall(r'class="cell state-(\w+)[^"]*".*?>([^<]*)</td>', row, re.S)


def test_the_grid_shows_each_state_distinctly(site):
    index = (site / "index.html").read_text()
    assert cells(index, "Everywhere") == [("passed", "passed"), ("passed", "passed"), ("skipped", "skipped")]
    assert cells(index, "Since two") == [
        ("not_applicable", "not applicable"),
        ("passed", "changed in 2.0 (new)"),
        ("passed", "passed"),
    ]
    assert cells(index, "Until two") == [
        ("passed", "passed"),
        ("not_applicable", "changed in 2.0 (no longer)"),
        ("not_applicable", "not applicable"),
    ]
    assert cells(index, "Broken on &lt;2.1&gt;")[-1] == ("fails", "fails")
    for line in LINES:
        assert f"SQLAlchemy {line}</th>" in index


def test_a_cell_explains_itself_with_its_reason(site):
    index = (site / "index.html").read_text()
    assert html.escape(NOT_APPLICABLE) in index
    assert "no Chromium here" in index


def test_the_feature_page_has_prose_rules_steps_and_collapsed_sql(site):
    page = (site / "features" / "savepoint_rollback--join_transaction_modes.html").read_text()
    for prose in ("Prose.", "Rule: A rule", "Why the rule holds."):
        assert prose in page
    assert "the code under test commits a new order" in page
    details = re.findall(r"<details class=\"sql\"[^>]*>", page)
    assert details
    assert all(" open" not in tag for tag in details)
    assert "SAVEPOINT sa_savepoint_1" in page
    assert "AssertionError: left behind" in page


def test_a_doc_string_is_shown_under_its_step_and_kept_in_cucumber_json(tmp_path):
    source = "Session = scoped_session(<factory>)"
    given = StepRecord("Given", "given", "the module app.py:", 11, None, "passed", 0.001, docstring=source)
    write_results(tmp_path / "results", {"2.1": [replace(record("With a module", "passed"), steps=[given])]})
    render(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "features" / "savepoint_rollback--join_transaction_modes.html").read_text()
    assert f'<pre class="docstring" style="margin-left:2em">{html.escape(source)}</pre>' in page
    (feature,) = json.loads((tmp_path / "site" / "cucumber" / "sqlalchemy-2.1.json").read_text())
    assert feature["elements"][0]["steps"][0]["doc_string"] == {"value": source, "line": 12}


def test_what_changed_is_derived_from_the_grid(site):
    changes = (site / "changes.html").read_text()
    from_14_to_20 = changes.split("From 1.4 to 2.0")[1].split("From 2.0 to 2.1")[0]
    assert re.search(r"Starts being true in 2.0</h3>\s*<ul><li><a [^>]*>Since two \(sync\)</a>", from_14_to_20)
    assert re.search(r"No longer true in 2.0</h3>\s*<ul><li><a [^>]*>Until two \(sync\)</a>", from_14_to_20)
    from_20_to_21 = changes.split("From 2.0 to 2.1")[1]
    differs = re.search(r"Outcome differs[^<]*</h3>\s*<ul>(.*?)</ul>", from_20_to_21, re.S)[1]
    assert ">Broken on &lt;2.1&gt; (sync)</a>" in differs
    assert ">Everywhere (sync)</a>" in differs  # passed on 2.0, skipped on 2.1


def test_the_step_catalogue_lists_every_definition_and_flags_the_unused(site):
    catalogue = (site / "steps.html").read_text()
    used = re.search(
        r"<tr class=\"\">\s*<td>Given</td><td><code>order {order_id:d} is stored in the state {state}", catalogue
    )
    assert used, "a step the results use is listed without the unused flag"
    assert re.search(r'<tr class="unused">\s*<td>Then</td><td><code>the code under test kept working', catalogue)
    assert "steps.transaction_steps" in catalogue


CATALOGUED_STEPS = """
import parse
from pytest_bdd import given, parsers, step, then, when

@given("plain words")
def _():
    \"\"\"Its docstring.\"\"\"

@when(parsers.parse("order {order_id:d} is stored in the state {state}"))
def _(order_id, state):
    pass

OPERATION = parse.with_pattern("flush|commit")(lambda text: text)

@then(parsers.cfparse("the {operation:Operation} sent no SQL", extra_types={"Operation": OPERATION}))
def _(operation):
    pass

@step(parsers.re(r"cart item (?P<child_id>\\d+) is gone"))
def _(child_id):
    pass
"""


def test_the_catalogue_shows_each_phrase_as_its_parser_writes_it(pytester: pytest.Pytester):
    pytester.makepyfile(catalogued_steps=CATALOGUED_STEPS)
    pytester.makeconftest('pytest_plugins = ["catalogued_steps"]')
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    definitions = step_definitions(pytester.path)
    assert [(d.type, d.phrase, d.docstring, d.module) for d in definitions] == [
        ("given", "plain words", "Its docstring.", "catalogued_steps"),
        ("when", "order {order_id:d} is stored in the state {state}", "", "catalogued_steps"),
        ("then", "the {operation:Operation} sent no SQL", "", "catalogued_steps"),
        ("step", r"cart item (?P<child_id>\d+) is gone", "", "catalogued_steps"),
    ]


def test_markup_is_escaped_and_passwords_never_reach_a_page(tmp_path):
    secret = "Sw0rdfish-not-for-pages"
    leaky = record("<script>alert(1)</script>", "failed", error=f"cannot reach postgresql://me:{secret}@db:5432/x")
    write_results(tmp_path / "results", {"2.1": [leaky]}, database=f"url postgresql://me:{secret}@db/x")
    render(tmp_path / "results", tmp_path / "site")
    text = "".join(path.read_text() for path in (tmp_path / "site").rglob("*.html"))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert secret not in text
    assert secret not in (tmp_path / "site" / "cucumber" / "sqlalchemy-2.1.json").read_text()
    assert "postgresql://me:***@db:5432/x" in text


def test_cucumber_json_keeps_every_scenario_with_its_status(site):
    features = json.loads((site / "cucumber" / "sqlalchemy-1.4.json").read_text())
    (feature,) = features
    assert feature["uri"] == "features/savepoint_rollback/join_transaction_modes.feature"
    statuses = {
        element["name"]: [step["result"]["status"] for step in element["steps"]] for element in feature["elements"]
    }
    assert statuses["Since two"] == ["skipped", "skipped"]
    assert statuses["Everywhere"] == ["passed", "passed"]
    since_two = next(element for element in feature["elements"] if element["name"] == "Since two")
    assert since_two["steps"][0]["result"]["error_message"] == NOT_APPLICABLE
    failing = json.loads((site / "cucumber" / "sqlalchemy-2.1.json").read_text())[0]["elements"]
    assert [s["result"]["status"] for e in failing if e["name"] == "Broken on <2.1>" for s in e["steps"]] == [
        "passed",
        "failed",
    ]


def test_a_partial_run_is_shown_as_partial_naming_its_reason(tmp_path):
    """Scenarios a partial run never reached are "not run" for that reason, with a banner on every page and a mark
    on the line's column, never silently missing (issue 19, item 7)."""
    write_results(tmp_path / "results", {"2.0": [record("Everywhere", "passed"), record("Later", "passed")]})
    partial = RunFacts("3.11.7", "2.1.9", {"psycopg2": "2.9.13"}, "embedded", "18.6", "embedded PostgreSQL",
                       complete=False, partial="interrupted (Ctrl-C or SIGINT)")  # fmt: skip
    Results(partial, [record("Everywhere", "passed")]).write(tmp_path / "results" / "sqlalchemy-2.1.json")
    render(tmp_path / "results", tmp_path / "site")
    banner = (
        '<p class="partial" data-line="2.1">SQLAlchemy 2.1: a partial run (interrupted (Ctrl-C or SIGINT)). The '
        'scenarios it did not reach show as "not run" in its column.</p>'
    )
    pages = [tmp_path / "site" / "index.html", *(tmp_path / "site" / "features").glob("*.html")]
    for page in [*pages, tmp_path / "site" / "changes.html", tmp_path / "site" / "steps.html"]:
        text = page.read_text()
        assert html.unescape(text).count(html.unescape(banner)) == 1, page
        assert '<p class="partial" data-line="2.0">' not in text  # a complete run has no banner
    for page in pages:
        assert "(partial run)</span></th>" in page.read_text()
    index = (tmp_path / "site" / "index.html").read_text()
    assert cells(index, "Later") == [("passed", "passed"), ("absent", "not run")]
    assert html.escape("not run: a partial run (interrupted (Ctrl-C or SIGINT))") in index


def test_no_results_is_one_line_naming_the_fix(tmp_path):
    with pytest.raises(SystemExit, match=r"no results in .*: run the specification first \(python3 dev.py spec\)"):
        render(tmp_path, tmp_path / "site")


# --- in a browser ------------------------------------------------------------------------------------


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_site_in_a_real_browser(tmp_path):
    """Opens the site from disk: the grid shows the three versions, and a step's SQL expands when clicked."""
    if chromium() is None:
        message = "no Chromium found: install Debian's chromium package (apt-get install -y chromium)"
        if os.environ.get("SPEC_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    real = ROOT / "results"
    if all((real / f"sqlalchemy-{line}.json").exists() for line in LINES):
        results = real  # the specification's own results, when this run of the tests follows the spec
    else:
        results = tmp_path / "results"
        write_results(results, {line: [record("Everywhere", "passed")] for line in LINES})
    index = render(results, tmp_path / "site")
    screenshots = ROOT / "results" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(index.as_uri())
            assert page.locator("#grid th.version").all_inner_texts() == [f"SQLAlchemy {line}" for line in LINES]
            page.screenshot(path=str(screenshots / "index.png"))
            page.locator("#grid a[href^='features/']").first.click()
            details = page.locator("details.sql").first
            statement = details.locator("pre").first
            assert not statement.is_visible(), "a step's SQL is collapsed by default"
            details.locator("summary").click()
            assert statement.is_visible()
            assert statement.inner_text().strip()
            page.screenshot(path=str(screenshots / "feature-with-sql-expanded.png"), full_page=True)
        finally:
            browser.close()


def test_rows_keep_collection_order_whatever_order_the_run_took(tmp_path):
    """A run in random order (pytest-randomly) or across workers renders the same page as a serial one."""
    collected = [replace(record(name, "passed"), collected_at=index) for index, name in enumerate("ABCD")]
    pages = []
    for order in (collected, collected[::-1]):
        write_results(tmp_path / "results", {"2.1": order})
        render(tmp_path / "results", tmp_path / "site")
        pages.append((tmp_path / "site" / "index.html").read_text())
    assert re.findall(r">([A-D]) \(sync\)<", pages[0]) == list("ABCD")
    assert pages[1] == pages[0]
