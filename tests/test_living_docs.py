"""The living documentation: the grid's states, the feature pages, the step catalogue, Cucumber JSON, and the
site in a real browser (Debian's Chromium, driven by Playwright)."""

import html
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_bdd.parser import FeatureParser

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
from tests.helpers.browser import chromium, playwright_or_skip

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
    """(state, label) of each cell in the grid row of the scenario (or outline) called ``title``."""
    row = re.search(rf">{re.escape(title)}</a>(?:\s*<span class=\"tag\">[^<]*</span>)?</td>(.*?)</tr>", html, re.S)[1]
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
    assert f'<pre class="docstring"><code>{html.escape(source)}</code></pre>' in page
    (feature,) = json.loads((tmp_path / "site" / "cucumber" / "sqlalchemy-2.1.json").read_text())
    assert feature["elements"][0]["steps"][0]["doc_string"] == {"value": source, "line": 12}


def test_what_changed_is_derived_from_the_grid(site):
    """The upgrade guide (support/report/upgrading.py; tests/test_upgrading_guide.py has its details)."""
    changes = (site / "changes.html").read_text()
    from_14_to_20 = changes.split("From 1.4 to 2.0")[1].split("From 2.0 to 2.1")[0]
    assert re.search(r"<em>is</em> <a href=\"[^\"]*#s-since-two-sync\">Since two</a>", from_14_to_20)
    assert re.search(r"<em>was</em> <a href=\"[^\"]*#s-until-two-sync\">Until two</a>", from_14_to_20)
    from_20_to_21 = changes.split("From 2.0 to 2.1")[1]
    differs = re.search(r"<em>outcome differs</em>(.*?)</li>", from_20_to_21, re.S)[1]
    assert ">Broken on &lt;2.1&gt;</a>" in differs
    assert ">Everywhere</a>" in differs  # passed on 2.0, skipped on 2.1


def test_the_step_catalogue_groups_definitions_by_concept_with_a_use_and_flags_the_unused(site):
    catalogue = (site / "steps.html").read_text()
    concept = re.search(r'<section class="concept" id="steps.employees_steps">(.*?)</section>', catalogue, re.S)[1]
    used = re.search(
        r'<div class="definition" id="steps.employees_steps-\d+">\s*<div class="phrase">'
        r'<span class="keyword">Given</span>\s*order (.*?)</div>\s*(.*?)</div>',
        concept,
        re.S,
    )
    assert used, "a step the results use is listed without the unused flag"
    assert '>{order_id:d}</span> is stored in the state <span class="field"' in used[1]
    assert (
        'For example: <a href="features/savepoint_rollback--join_transaction_modes.html#s-everywhere-sync">' in used[2]
    )
    assert ">Given order 1 is stored in the state start</a>" in used[2]
    assert 'used in <a href="features/savepoint_rollback--join_transaction_modes.html">Joining</a>' in used[2]
    unused = re.search(r'<div class="definition unused"[^>]*>\s*<div class="phrase"><span class="keyword">Then</span>'
                       r"\s*the code under test kept working</div>(.*?)</div>", catalogue, re.S)  # fmt: skip
    assert unused, "a step no scenario uses is flagged"
    assert "<strong>unused</strong>" in unused[1]
    assert "For example" not in unused[1]
    assert catalogue.index('id="steps.employees_steps"') < catalogue.index('id="steps.transaction_steps"')


# what a regular expression looks like: a group, a class, a repeat of one, an escape; none may reach a page
REGEX = re.compile(r"\(\?P?[<:=!]|\\[dwsSWD.]|\[\^|[\w\]\)][+*]\??[\s)]|\.\*|\.\+")


def test_no_page_shows_a_regular_expression_and_every_phrase_reads_plainly(site):
    assert REGEX.search(r"finds orders? (?P<order_ids>\d+(?: and \d+)*) leaked"), "the detector finds a regex"
    for page in site.rglob("*.html"):
        text = html.unescape(re.sub(r"<script>.*?</script>", "", page.read_text(), flags=re.S))
        assert not REGEX.search(text), f"{page.name}: {REGEX.search(text)[0]!r}"
    readable = {d.phrase: "".join(part.text for part in d.parts) for d in step_definitions()}
    leaked = r"after the test's outer rollback, another connection finds orders? (?P<order_ids>\d+(?: and \d+)*) leaked"
    assert readable[leaked] == "after the test's outer rollback, another connection finds order(s) {order_ids} leaked"
    assert [text for text in readable.values() if REGEX.search(text)] == []


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
    shown = [[(part.kind, part.text) for part in definition.parts] for definition in definitions]
    assert shown == [
        [("words", "plain words")],
        [("words", "order "), ("field", "{order_id:d}"), ("words", " is stored in the state "), ("field", "{state}")],
        [("words", "the "), ("field", "{operation:Operation}"), ("words", " sent no SQL")],
        [("words", "cart item "), ("field", "{child_id}"), ("words", " is gone")],
    ]
    assert "Operation: one of read | request | refresh | query | flush | commit" in definitions[2].parts[1].title


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
        '<p class="partial" data-line="2.1" data-database="postgresql">SQLAlchemy 2.1: a partial run '
        '(interrupted (Ctrl-C or SIGINT)). The scenarios it did not reach show as "not run" in its column.</p>'
    )
    pages = [tmp_path / "site" / "index.html", *(tmp_path / "site" / "features").glob("*.html")]
    for page in [*pages, tmp_path / "site" / "changes.html", tmp_path / "site" / "steps.html"]:
        text = page.read_text()
        assert html.unescape(text).count(html.unescape(banner)) == 1, page
        assert '<p class="partial" data-line="2.0"' not in text  # a complete run has no banner
    for page in pages:
        assert "(partial run)</span></th>" in page.read_text()
    index = (tmp_path / "site" / "index.html").read_text()
    assert cells(index, "Later") == [("passed", "passed"), ("absent", "not run")]
    assert html.escape("not run: a partial run (interrupted (Ctrl-C or SIGINT))") in index


def test_no_results_is_one_line_naming_the_fix(tmp_path):
    with pytest.raises(SystemExit, match=r"no results in .*: run the specification first \(python3 dev.py spec\)"):
        render(tmp_path, tmp_path / "site")


# --- outlines, prose, anchors ------------------------------------------------------------------------


JOIN_MODES = "savepoint_rollback/join_transaction_modes.feature"


def outline_records(line: str, feature_file: str = JOIN_MODES, rows: slice = slice(None)) -> list[ScenarioRecord]:
    """Records of every example row of the feature's outlines, sync and async, as a run of ``line`` leaves them:
    not applicable before 2.0 (the join-mode feature is tagged >=2.0), passed since."""
    feature = FeatureParser(str(ROOT / "features"), feature_file).parse()
    facts = FeatureFacts(feature.name, feature_file, feature.description, sorted(feature.tags))
    records, collected = [], 0
    for template in (t for t in feature.scenarios.values() if t.templated):
        for table in template.examples:
            for example in list(table.as_contexts())[rows]:
                scenario = template.render(example)
                for flavour in ("sync", "async"):
                    status = "not_applicable" if line == "1.4" else "passed"
                    records.append(ScenarioRecord(
                        f"steps/test_savepoint_rollback.py::test_{collected}[{flavour}-{'-'.join(example.values())}]",
                        status, 0.01, NOT_APPLICABLE if status == "not_applicable" else None, None, facts,
                        RuleFacts(template.rule.name, template.rule.description) if template.rule else None,
                        ScenarioFacts(scenario.name, template.line_number, "", [], [">=2.0"]), example, collected,
                        [StepRecord(s.keyword, s.type, s.name, s.line_number, None, "passed", 0.001,
                                    sql=[SqlEntry("SAVEPOINT sa_savepoint_1", False)] if s.type == "when" else [])
                         for s in scenario.steps] if status == "passed" else [],
                    ))  # fmt: skip
                    collected += 1
    return records


@pytest.fixture
def join_modes_site(tmp_path) -> Path:
    write_results(tmp_path / "results", {line: outline_records(line) for line in LINES})
    render(tmp_path / "results", tmp_path / "site")
    return tmp_path / "site"


def test_an_outline_renders_once_as_its_examples_tables_with_a_status_per_line_and_flavour(join_modes_site):
    page = (join_modes_site / "features" / "savepoint_rollback--join_transaction_modes.html").read_text()
    assert 'class="scenario"' not in page, "no scenario card per Examples row"
    assert page.count('<section class="outline"') == 2
    assert page.count('<span class="keyword">Scenario Outline:</span> The code under test &lt;action&gt;</h3>') == 1
    tables = re.findall(r'<table class="examples".*?</table>', page, re.S)
    assert len(tables) == 6
    first = tables[0]
    assert "conditional_savepoint (the default): a rollback by the code ends the test&#39;s own transaction" in first
    # the session is the same in every row: said once above the table, not in a column
    assert (
        "the session, in every row: <strong>a session joined with join_transaction_mode conditional_savepoint" in first
    )
    headings = re.findall(r"<th[^>]*>([^<]*)", re.search(r"<thead>(.*?)</thead>", first, re.S)[1])
    assert headings == ["action", "control", "afterwards",
                        "1.4 sync", "1.4 async", "2.0 sync", "2.0 async", "2.1 sync", "2.1 async"]  # fmt: skip
    rows = re.findall(r'<tr class="example" id="([^"]+)">(.*?)</tr>', first, re.S)
    assert len(rows) == 9
    states = re.findall(r'class="cell state-(\w+)', rows[1][1])
    assert states == ["not_applicable"] * 2 + ["passed"] * 4
    assert "rolls back, then goes on to commit</td>" in rows[1][1]
    detail = first.split(f'id="{rows[1][0]}"')[1].split('<tr class="example"')[0]
    assert re.search(r'<details class="steps"><summary>steps and SQL</summary>', detail)
    assert "the code under test rolls back, then goes on to commit" in detail
    assert f'<p class="tag">1.4: {html.escape(NOT_APPLICABLE)}</p>' in detail  # both flavours' reason, said once
    assert "SAVEPOINT sa_savepoint_1" in detail
    index = (join_modes_site / "index.html").read_text()
    assert index.count(">The code under test &lt;action&gt;</a>") == 1
    assert cells(index, "The code under test &lt;action&gt;") == [
        ("not_applicable", "not applicable"), ("passed", "changed in 2.0 (new)"), ("passed", "passed")
    ]  # fmt: skip


def test_without_its_feature_file_an_outline_is_one_table_of_the_rows_the_results_hold(tmp_path):
    examples = [{"mode": "rollback_only", "fate": "leaked"}, {"mode": "create_savepoint", "fate": "clean"}]
    records = [
        replace(record(f"Under {row['mode']} the order is {row['fate']}", "passed"), example=row, collected_at=i,
                nodeid=f"steps/test_x.py::test_under[{row['mode']}]",
                feature=replace(FEATURE, file="gone/not_here.feature"))
        for i, row in enumerate(examples)
    ]  # fmt: skip
    write_results(tmp_path / "results", {"2.1": records})
    render(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "features" / "gone--not_here.html").read_text()
    assert "Scenario Outline:</span> Under &lt;mode&gt; the order is &lt;fate&gt;</h3>" in page
    (table,) = re.findall(r'<table class="examples".*?</table>', page, re.S)
    assert re.findall(r"<th>([^<]*)</th>", table) == ["mode", "fate"]
    assert re.findall(r'<tr class="example" id="[^"]+"><td>(\w+)</td>', table) == ["rollback_only", "create_savepoint"]


def test_descriptions_are_markdown_and_step_tables_are_tables(tmp_path):
    prose = "Read this first:\n\n- a `with session.begin():` block\n- **two** items\n\nA <b>raw</b> tag stays text."
    feature = replace(FEATURE, description=prose)
    rule = RuleFacts("A rule", "    The rule's prose, indented as in its file,\n    with `code` in it.")
    table = StepRecord("Given", "given", "these employees:", 11, [["id", "email"], ["42", "a@b.c"]], "passed")
    write_results(tmp_path / "results", {"2.1": [replace(record("Tabled", "passed"), feature=feature, rule=rule,
                                                         steps=[table])]})  # fmt: skip
    render(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "features" / "savepoint_rollback--join_transaction_modes.html").read_text()
    assert (
        "<ul>\n<li>a <code>with session.begin():</code> block</li>\n<li><strong>two</strong> items</li>\n</ul>" in page
    )
    assert "A &lt;b&gt;raw&lt;/b&gt; tag stays text." in page
    assert "<p>The rule's prose, indented as in its file,\nwith <code>code</code> in it.</p>" in page
    assert (
        '<table class="datatable"><tr><td>id</td><td>email</td></tr><tr><td>42</td><td>a@b.c</td></tr></table>' in page
    )


def ids(page: Path) -> list[str]:
    return re.findall(r' id="([^"]+)"', page.read_text())


def test_anchors_come_from_names_and_survive_a_rerender(tmp_path, join_modes_site):
    """Every scenario, example row and flavour has an id made of names: unique on its page, and the same after a
    run that collected the tests in another order under other test names."""
    page = join_modes_site / "features" / "savepoint_rollback--join_transaction_modes.html"
    before = ids(page)
    assert len(before) == len(set(before))
    # the same action in four tables: an example row's id holds its values, not only the name they fill in
    assert "s-the-code-under-test-commits-a-new-order-sync" not in before
    example_ids = re.findall(r'<tr class="example" id="([^"]+)"', page.read_text())
    assert len(example_ids) == 40
    assert all(f'id="{anchor}-async"' in page.read_text() for anchor in example_ids)
    again = {
        line: [replace(r, nodeid=r.nodeid.replace("test_", "test_renamed_"), collected_at=1000 - r.collected_at)
               for r in outline_records(line)]
        for line in LINES
    }  # fmt: skip
    write_results(tmp_path / "again", again)
    render(tmp_path / "again", tmp_path / "site-again")
    assert sorted(ids(tmp_path / "site-again" / "features" / page.name)) == sorted(before)


def test_the_index_filters_offline(join_modes_site):
    index = (join_modes_site / "index.html").read_text()
    for control in ("filter-text", "filter-area", "filter-status", "filter-line"):
        assert f'id="{control}"' in index
    assert re.search(r'<tbody class="feature" data-area="savepoint_rollback">', index)
    row = re.search(r'<tr class="block" id="[^"]+" data-search="([^"]*)"', index)[1]
    assert "conditional_savepoint" in row
    assert "order 3 leaked" in row
    for page in join_modes_site.rglob("*.html"):
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page.read_text()), f"{page.name} reaches the network"


# --- in a browser ------------------------------------------------------------------------------------


def test_the_site_in_a_real_browser(tmp_path):
    """Opens the site from disk in Chromium: the grid shows the three versions; search and filters narrow it; the
    join-mode outline is one table per Examples block with a status per line and flavour, its steps and SQL a click
    away; the feature's prose is a rendered list; the step catalogue fits the page."""
    sync_api = playwright_or_skip()
    real = ROOT / "results"
    results = tmp_path / "results"
    real_results = all((real / f"sqlalchemy-{line}.json").exists() for line in LINES)
    if real_results:  # the specification's own results on PostgreSQL, when this run of the tests follows the spec
        results.mkdir()
        for line in LINES:
            shutil.copy(real / f"sqlalchemy-{line}.json", results)
    else:
        elsewhere = replace(FEATURE, file="cascades/elsewhere.feature", name="Elsewhere")
        scenarios = [replace(record("Everywhere", "passed"), feature=elsewhere)]
        write_results(results, {line: [*scenarios, *outline_records(line)] for line in LINES})
    index = render(results, tmp_path / "site")
    screenshots = ROOT / "results" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(index.as_uri())
            assert page.locator("#grid th.version").all_inner_texts() == [f"SQLAlchemy {line}" for line in LINES]
            _search_narrows_the_index(page)
            page.screenshot(path=str(screenshots / "index.png"))

            page.locator("#grid a[href$='join_transaction_modes.html#s-the-code-under-test-action']").click()
            _the_outline_is_a_table_per_examples_block(page, real_results)
            assert page.locator(".prose ul > li").count() >= 4, "the feature's prose list is rendered as a list"
            assert page.locator(".prose ul > li").first.is_visible()
            page.screenshot(path=str(screenshots / "outline-with-steps-expanded.png"), full_page=True)

            page.set_viewport_size({"width": 900, "height": 900})
            page.goto((tmp_path / "site" / "steps.html").as_uri())
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"the step catalogue overflows sideways: {width}"
            assert page.locator(".definition .phrase .field").count() > 0
            page.screenshot(path=str(screenshots / "step-catalogue.png"))
        finally:
            browser.close()


def _search_narrows_the_index(page) -> None:
    count = page.locator("#filter-count")
    shown = page.locator("#grid tr.block:visible")
    everything = shown.count()
    assert count.inner_text() == f"{everything} of {everything} scenarios and outlines shown"
    page.fill("#filter-text", "conditional_savepoint leaked")  # words of an example row, not of any title
    narrowed = shown.count()
    assert 0 < narrowed < everything
    assert shown.first.locator("a").inner_text() == "The code under test <action>"
    features = page.locator("#grid tbody.feature")
    assert 0 < features.locator("visible=true").count() < features.count(), "features without a match are hidden"
    assert features.locator("visible=true").count() == features.filter(has=page.locator("tr.block:visible")).count()
    page.fill("#filter-text", "")
    page.select_option("#filter-status", "not_applicable")
    page.select_option("#filter-line", "1.4")
    not_on_14 = shown.count()
    assert 0 < not_on_14 < everything
    assert all("not_applicable" in states for states in shown.locator("td[data-line='1.4']").evaluate_all(
        "cells => cells.map(cell => cell.dataset.states)"))  # fmt: skip
    page.select_option("#filter-area", "cascades")
    assert shown.count() < not_on_14
    for control, value in (("#filter-status", ""), ("#filter-line", ""), ("#filter-area", "")):
        page.select_option(control, value)
    assert shown.count() == everything


def _the_outline_is_a_table_per_examples_block(page, real_results: bool) -> None:
    outline = page.locator("section.outline").first
    table = outline.locator("table.examples").first
    assert "conditional_savepoint (the default)" in table.locator("caption").inner_text()
    headings = table.locator("thead th.version").all_inner_texts()
    # the specification's own join-mode matrix also runs on psycopg 3 (its feature runs on every sync driver)
    flavours = ("sync", "async", "sync-psycopg") if real_results else ("sync", "async")
    assert headings == [f"{line} {flavour}" for line in LINES for flavour in flavours], headings
    first_row = table.locator("tr.example").first
    assert first_row.locator("td.cell").count() == len(headings), "a status per line and flavour"
    cards = page.locator(".scenario").all_inner_texts()  # the feature's plain scenarios (SQLite's pair) only
    assert not [card for card in cards if "The code under test" in card], "no scenario card per Examples row"
    details = table.locator("tr.example-detail details.steps").nth(1)
    step = details.locator(".step", has_text="When the code under test")
    assert not step.is_visible(), "an example row's steps are collapsed"
    details.locator("summary").first.click()
    assert step.is_visible()
    sql = details.locator("details.sql").first
    sql.locator("summary").click()
    assert sql.locator("pre").first.is_visible()
    assert re.match(r"(BEGIN|SAVEPOINT|SELECT|INSERT)\b", sql.locator("pre").first.inner_text())


def test_rows_keep_collection_order_whatever_order_the_run_took(tmp_path):
    """A run in random order (pytest-randomly) or across workers renders the same page as a serial one."""
    collected = [replace(record(name, "passed"), collected_at=index) for index, name in enumerate("ABCD")]
    pages = []
    for order in (collected, collected[::-1]):
        write_results(tmp_path / "results", {"2.1": order})
        render(tmp_path / "results", tmp_path / "site")
        pages.append((tmp_path / "site" / "index.html").read_text())
    assert re.findall(r">([A-D])</a>", pages[0]) == list("ABCD")
    assert pages[1] == pages[0]


def test_a_second_database_has_columns_of_its_own_beside_postgresqls(tmp_path):
    """results/sqlalchemy-<line>-sqlite.json beside PostgreSQL's: each column names its database, the changes compare
    lines of one database, and the Cucumber JSON of each run keeps a file of its own."""
    results = tmp_path / "results"
    write_results(results, {"2.0": [record("Everywhere", "passed")], "2.1": [record("Everywhere", "passed")]})
    on_sqlite = RunFacts("3.11.7", "2.1.9", {"pysqlite": "3.40.1"}, "sqlite", None, "SQLite 3.40.1", dialect="sqlite")
    sqlite_reason = "not applicable: describes PostgreSQL (@database:postgresql), this run is on SQLite"
    Results(on_sqlite, [record("Everywhere", "not_applicable", reason=sqlite_reason)]).write(
        results / "sqlalchemy-2.1-sqlite.json"
    )
    render(results, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    for database, name, runs in (("postgresql", "PostgreSQL", 2), ("sqlite", "SQLite", 1)):  # above their lines
        assert f'<th class="database" colspan="{runs}" data-database="{database}">{name}</th>' in index
    for line, database in (("2.0", "postgresql"), ("2.1", "postgresql"), ("2.1", "sqlite")):
        assert f'data-version="{line}" data-database="{database}">SQLAlchemy {line}</th>' in index
    assert cells(index, "Everywhere") == [
        ("passed", "passed"),
        ("passed", "passed"),
        ("not_applicable", "not applicable"),
    ]
    assert html.escape(sqlite_reason) in index
    cucumber = sorted(path.name for path in (tmp_path / "site" / "cucumber").glob("*.json"))
    assert cucumber == ["sqlalchemy-2.0.json", "sqlalchemy-2.1-sqlite.json", "sqlalchemy-2.1.json"]
    runs = re.findall(
        r"<tr data-database=\"(\w+)\"><td>([^<]+)</td>.*?<td>([^<]+)</td>\s*<td>([^<]*)</td></tr>", index, re.S
    )
    assert runs[-1] == ("sqlite", "2.1 SQLite", "SQLite 3.40.1", "pysqlite 3.40.1"), runs
    assert runs[0][2:] == ("embedded PostgreSQL 18.6", "psycopg2 2.9.13, asyncpg 0.32.0"), runs


def test_the_database_is_a_filter_in_a_real_browser(tmp_path):
    """Opened in Chromium with PostgreSQL's and SQLite's runs: the Database filter shows one database's columns and
    runs, and the Status filter then looks at that database's cells only."""
    sync_api = playwright_or_skip()
    results = tmp_path / "results"
    sqlite_reason = "not applicable: describes PostgreSQL (@database:postgresql), this run is on SQLite"
    write_results(results, {line: [record("Row locks", "passed"), record("Everywhere", "passed")] for line in LINES})
    for line in LINES:
        on_sqlite = RunFacts("3.11.7", f"{line}.9", {"pysqlite": "3.40.1", "aiosqlite": "0.22.1"}, "sqlite",
                             database="SQLite 3.40.1", dialect="sqlite", database_version="3.40.1")  # fmt: skip
        scenarios = [record("Row locks", "not_applicable", reason=sqlite_reason), record("Everywhere", "passed")]
        Results(on_sqlite, scenarios).write(results / f"sqlalchemy-{line}-sqlite.json")
    index = render(results, tmp_path / "site")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(index.as_uri())
            headings = page.locator("#grid th.version:visible")
            database_headings = page.locator("#grid th.database:visible")
            assert database_headings.all_inner_texts() == ["PostgreSQL", "SQLite"]  # each above its lines' columns
            assert headings.all_inner_texts() == [f"SQLAlchemy {line}" for line in LINES] * 2
            assert page.locator("#filter-line option").all_inner_texts()[1:] == [f"SQLAlchemy {line}" for line in LINES]
            assert "SQLite 3.40.1\tpysqlite 3.40.1, aiosqlite 0.22.1" in page.locator("#runs").inner_text()
            page.select_option("#filter-database", "sqlite")
            assert database_headings.all_inner_texts() == ["SQLite"]
            assert headings.all_inner_texts() == [f"SQLAlchemy {line}" for line in LINES]
            assert page.locator("#runs tr:visible td:first-child").all_inner_texts() == [
                f"{line} SQLite" for line in LINES
            ]
            rows = page.locator("#grid tr.block:visible")
            page.select_option("#filter-status", "not_applicable")
            assert rows.locator("a").all_inner_texts() == ["Row locks"]
            assert rows.first.locator("td.cell:visible").all_inner_texts() == ["not applicable"] * len(LINES)
            page.select_option("#filter-database", "postgresql")
            assert rows.count() == 0, "on PostgreSQL every scenario applies"
            page.select_option("#filter-database", "")
            page.select_option("#filter-line", "2.1")
            assert rows.locator("a").all_inner_texts() == ["Row locks"]
        finally:
            browser.close()


def test_a_scenario_card_shows_its_description(tmp_path):
    """Why a scenario describes one database only is its description's first line: its card on the feature page
    shows it."""
    described = record("Row locks", "passed")
    described = replace(described, scenario=replace(described.scenario, description="PostgreSQL's: no row locks."))
    write_results(tmp_path / "results", {"2.1": [described, record("Everywhere", "passed")]})
    render(tmp_path / "results", tmp_path / "site")
    page = (tmp_path / "site" / "features" / "savepoint_rollback--join_transaction_modes.html").read_text()
    assert page.count('<div class="prose"><p>PostgreSQL\'s: no row locks.</p>') == 1
