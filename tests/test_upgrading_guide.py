"""The README's Upgrading section is generated from the version tags, so it cannot drift from them."""

from pathlib import Path

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
from support.report import model, upgrading
from support.report.site import render
from tests.helpers.browser import chromium, playwright_or_skip


def test_the_upgrading_section_matches_the_version_tags():
    readme = upgrading.README.read_text()
    assert upgrading.section() in readme, (
        "features/README.md's Upgrading section is out of date: run python -m support.report.upgrading --write"
    )


def test_every_version_boundary_has_both_sides():
    for version, sides in upgrading.boundaries().items():
        assert sides["until"], f"nothing is tagged as ending before {version}"
        assert sides["since"], f"nothing is tagged as starting at {version}"


# --- the section's content, and the site's guide made from runs -------------------------------------------------


BACKREF = "cascades/objects_linked_through_a_backref.feature"
AUTOFLUSH = "cascades/autoflush_before_queries.feature"
JOIN_MODES = "savepoint_rollback/join_transaction_modes.feature"


def upgrade_text(section: str, before: str, after: str) -> str:
    return section.split(f"### From {before} to {after}")[1].split("### From")[0]


def test_the_section_lists_the_backref_change_in_20_and_the_autoflush_change_in_21():
    section = upgrading.section()
    to_20, to_21 = upgrade_text(section, "1.4", "2.0"), upgrade_text(section, "2.0", "2.1")
    backref = "*was*: Before 2.0, linking alone puts the person into the session"
    assert backref in to_20
    assert backref not in to_21
    autoflush = "*is*: Since 2.1, a textual query flushes and sees the pending user"
    assert autoflush in to_21
    assert autoflush not in to_20
    # a feature tagged as a whole is one line, not a line per scenario
    modes = [line for line in to_20.splitlines() if JOIN_MODES in line]
    assert len(modes) == 1, modes
    assert "new, the whole feature" in modes[0], modes
    assert "The code under test *action*" not in to_20


def record(file, feature_name, rule, name, line, status, *, example=None, nodeid=None, sql=(), tags=()):
    steps = [StepRecord("When", "when", "something happens", line + 1, None, "passed" if status == "passed" else
                        "not_run", sql=[SqlEntry(text, False) for text in sql])]  # fmt: skip
    return ScenarioRecord(
        nodeid or f"steps/test_x.py::test_{line}",
        status=status,
        reason="not applicable: describes SQLAlchemy other lines" if status == "not_applicable" else None,
        feature=FeatureFacts(feature_name, file, "", list(tags)),
        rule=RuleFacts(rule, ""),
        scenario=ScenarioFacts(name, line, "", [], []),
        example=example,
        collected_at=line,
        steps=steps,
    )


LABELLED = "SELECT users.id AS users_id FROM users WHERE users.id = %(pk_1)s"
UNLABELLED = "SELECT users.id FROM users WHERE users.id = %(pk_1)s"


def line_records(line: str) -> list[ScenarioRecord]:
    """What a run of each line says about a few real scenarios: version-tagged ones, a new feature, changed SQL."""
    before_20, since_21 = line == "1.4", line == "2.1"
    na = "not_applicable"
    records = [
        record(BACKREF, "Backref", "Before 2.0 ...", "Before 2.0, linking alone puts the person into the session",
               25, "passed" if before_20 else na),
        record(BACKREF, "Backref", "Since 2.0 ...", "Since 2.0, linking leaves the person outside the session",
               95, na if before_20 else "passed"),
        record(AUTOFLUSH, "Autoflush", "Before 2.1 ...", "Before 2.1, a textual query does not see the pending user",
               27, na if since_21 else "passed"),
        record(AUTOFLUSH, "Autoflush", "Since 2.1 ...", "Since 2.1, a textual query flushes and sees the pending user",
               43, "passed" if since_21 else na),
        record(AUTOFLUSH, "Autoflush", "An ORM query ...", "Querying the mapped class", 17, "passed",
               sql=[UNLABELLED if since_21 else LABELLED]),
    ]  # fmt: skip
    for number, action in enumerate(("commits a new order", "rolls back, then goes on to commit")):
        records.append(record(JOIN_MODES, "Join modes", "Only create_savepoint ...", "The code under test <action>", 31,
                              na if before_20 else "passed", example={"action": action},
                              nodeid=f"steps/test_x.py::test_modes[{number}]", tags=["sqlalchemy:>=2.0"]))  # fmt: skip
    return records


def test_the_guide_made_from_the_runs(tmp_path: Path):
    for line in ("1.4", "2.0", "2.1"):
        facts = RunFacts("3.11", f"{line}.0", {}, started=0.0, finished=1.0)
        Results(facts, line_records(line)).write(tmp_path / f"sqlalchemy-{line}.json")
    to_20, to_21 = upgrading.guide(model.site(tmp_path))
    assert (to_20.before, to_20.after, to_21.before, to_21.after) == ("1.4", "2.0", "2.0", "2.1")
    features_20 = {feature.href.split("/")[-1]: feature for feature in to_20.features}
    backref = features_20["cascades--objects_linked_through_a_backref.html"]
    was = [link.text for behaviour in backref.behaviours for link in behaviour.was]
    now = [link.text for behaviour in backref.behaviours for link in behaviour.now]
    assert was == ["Before 2.0, linking alone puts the person into the session"]
    assert now == ["Since 2.0, linking leaves the person outside the session"]
    assert all("#s-" in link.href for behaviour in backref.behaviours for link in behaviour.was + behaviour.now)
    modes = features_20["savepoint_rollback--join_transaction_modes.html"]
    assert modes.new
    assert ">=2.0" in modes.new
    assert not modes.behaviours
    assert "cascades--autoflush_before_queries.html" not in features_20
    (autoflush,) = to_21.features
    assert [link.text for b in autoflush.behaviours for link in b.now] == [
        "Since 2.1, a textual query flushes and sees the pending user"
    ]
    assert [link.text for b in autoflush.behaviours for link in b.was] == [
        "Before 2.1, a textual query does not see the pending user"
    ]
    (difference,) = to_21.sql  # 2.1's unlabelled SELECT, shown as the statements that differ
    assert (difference.before, difference.after) == (LABELLED, UNLABELLED)
    assert [link.text for link in difference.scenarios] == ["Querying the mapped class"]
    assert not to_20.sql


def test_each_upgrade_compares_the_runs_of_one_database(tmp_path: Path):
    """With SQLite's runs beside PostgreSQL's, an upgrade per database, and none from one database to the other."""
    for line in ("1.4", "2.0", "2.1"):
        facts = RunFacts("3.11", f"{line}.0", {}, started=0.0, finished=1.0)
        Results(facts, line_records(line)).write(tmp_path / f"sqlalchemy-{line}.json")
        on_sqlite = RunFacts("3.11", f"{line}.0", {}, "sqlite", dialect="sqlite", database_version="3.40.1")
        Results(on_sqlite, line_records(line)).write(tmp_path / f"sqlalchemy-{line}-sqlite.json")
    upgrades = upgrading.guide(model.site(tmp_path))
    assert [(u.before, u.after, u.database, u.anchor) for u in upgrades] == [
        ("1.4", "2.0", "PostgreSQL", "upgrade-1.4-2.0"),
        ("2.0", "2.1", "PostgreSQL", "upgrade-2.0-2.1"),
        ("1.4", "2.0", "SQLite", "upgrade-1.4-2.0-sqlite"),
        ("2.0", "2.1", "SQLite", "upgrade-2.0-2.1-sqlite"),
    ]
    postgresql_20, sqlite_20 = upgrades[0], upgrades[2]
    assert [f.href for f in sqlite_20.features] == [f.href for f in postgresql_20.features]


def test_the_guide_in_a_real_browser(tmp_path: Path):
    """The rendered page, opened from disk in Chromium: the backref change under 1.4 -> 2.0, the autoflush change
    under 2.0 -> 2.1, each behaviour a link to its scenario."""
    sync_api = playwright_or_skip()
    for line in ("1.4", "2.0", "2.1"):
        facts = RunFacts("3.11", f"{line}.0", {}, started=0.0, finished=1.0)
        Results(facts, line_records(line)).write(tmp_path / "results" / f"sqlalchemy-{line}.json")
    render(tmp_path / "results", tmp_path / "site")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto((tmp_path / "site" / "changes.html").as_uri())
            upgrades = page.locator("h2[id^='upgrade-']").all_inner_texts()
            assert upgrades == ["From 1.4 to 2.0", "From 2.0 to 2.1"]
            to_20 = page.locator("h2#upgrade-1\\.4-2\\.0 ~ *").all_inner_texts()
            to_20 = "\n".join(to_20[: next(i for i, text in enumerate(to_20) if text == "From 2.0 to 2.1")])
            to_21 = "\n".join(page.locator("h2#upgrade-2\\.0-2\\.1 ~ *").all_inner_texts())
            assert "Since 2.0, linking leaves the person outside the session" in to_20
            assert "Since 2.1, a textual query flushes and sees the pending user" not in to_20
            assert "Since 2.1, a textual query flushes and sees the pending user" in to_21
            assert "linking leaves the person outside the session" not in to_21
            link = page.get_by_role("link", name="Since 2.1, a textual query flushes and sees the pending user")
            assert "#s-" in link.get_attribute("href")
        finally:
            browser.close()
