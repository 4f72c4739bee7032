"""Scenarios can fail. Request boundary: every broken-setup scenario fails once its fix is applied, and every
fixed-setup scenario fails once the fix is taken away. Savepoint rollback: every scenario fails once its verdict
(clean or leaked, committed or lost) is swapped. The features are copied, flipped in the copy, and the copy runs
against a real server."""

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREA = "request_boundary"


@dataclass(frozen=True)
class Flip:
    feature: str
    scenario: str  # a scenario's name, or "Background" for the whole feature
    before: str  # a step fragment, or a whole table row (compared without extra spaces)
    after: str


NEVER = "scoped session is never removed"
REMOVED = "scoped session is removed at the end of each request"
NO_REMOVE, YES_REMOVE = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"
PLAIN_READ = "reads employee 42 through its scoped session"

FLIPS = [
    Flip("scoped_session_outliving_its_request", "A referenced employee is served stale, and no SQL is sent for it", NEVER, REMOVED),
    Flip("scoped_session_outliving_its_request", "An employee nothing references any more is read again, and is fresh",
         "And employee 42 has been served by a request",
         "And the application holds on to the employees it has served\n      And employee 42 has been served by a request"),
    Flip("scoped_session_outliving_its_request", "Removed at teardown, the session's successor reads the committed email", REMOVED, NEVER),
    *[
        Flip("when_a_read_is_stale", "The next request on the thread reads employee 42 through the session", row, flipped)
        for row, flipped in [
            ("| READ COMMITTED | on | left its transaction open | the application still references employee 42 | old@corp.example | no SQL |",
             "| READ COMMITTED | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| READ COMMITTED | off | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |",
             "| READ COMMITTED | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| REPEATABLE READ | on | left its transaction open | the application still references employee 42 | old@corp.example | no SQL |",
             "| REPEATABLE READ | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| REPEATABLE READ | on | left its transaction open | nothing references employee 42 any more | old@corp.example | one SELECT of employee 42 |",
             "| REPEATABLE READ | on | committed its transaction | nothing references employee 42 any more | old@corp.example | one SELECT of employee 42 |"),
            ("| READ COMMITTED | on | left its transaction open | nothing references employee 42 any more | new@corp.example | one SELECT of employee 42 |",
             "| READ COMMITTED | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
            ("| READ COMMITTED | on | committed its transaction | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |",
             "| READ COMMITTED | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
            ("| REPEATABLE READ | on | committed its transaction | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |",
             "| REPEATABLE READ | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
        ]
    ],
    Flip("when_a_read_is_stale", "An entity query on a stale session", "runs a SELECT of the entity for employee 42",
         'reads employee 42 with "select().execution_options(populate_existing=True)"'),
    Flip("when_a_read_is_stale", "A column query on a stale session", "| READ COMMITTED | new@corp.example |", "| REPEATABLE READ | new@corp.example |"),
    Flip("when_a_read_is_stale", "A column query on a stale session", "| REPEATABLE READ | old@corp.example |", "| READ COMMITTED | old@corp.example |"),
    Flip("refreshing_a_stale_session", "expire_all() before the read", "expires everything in its session and reads employee 42", PLAIN_READ),
    Flip("refreshing_a_stale_session", "refresh() of the object", "refreshes employee 42 and reads it", PLAIN_READ),
    *[
        Flip("refreshing_a_stale_session", "Reading with populate_existing", f"| {spelling} |", "| Session.get() |")
        for spelling in [
            "Query.populate_existing()",
            "Query.execution_options(populate_existing=True)",
            "Session.get(populate_existing=True)",
            "select().execution_options(populate_existing=True)",
            "Session.execute(select(), execution_options={populate_existing: True})",
        ]
    ],
    Flip("refreshing_a_stale_session", "Before 2.1, Session.get() ignores populate_existing given in execution_options",
         '"Session.get(execution_options={populate_existing: True})"', '"Session.get(populate_existing=True)"'),
    Flip("refreshing_a_stale_session", "Since 2.1, Session.get() honours populate_existing given in execution_options",
         '"Session.get(execution_options={populate_existing: True})"', '"Session.get()"'),
    Flip("session_per_request_context_manager", "Closed without a commit, the kept object still answers, with the old value and no SQL",
         "that request's context manager closed the session without a commit", "that request committed and its context manager closed the session"),
    Flip("session_per_request_context_manager", "Committed before closing, the kept object is expired and cannot be read",
         "that request committed and its context manager closed the session", "that request's context manager closed the session without a commit"),
    Flip("what_a_session_never_removed_costs", "Never removed, the connection is left idle in transaction", NEVER, REMOVED),
    Flip("what_a_session_never_removed_costs", "Removed at teardown, the connection goes back to the pool with its transaction ended", REMOVED, NEVER),
    Flip("what_a_session_never_removed_costs", "Never removed, the third thread waits for a connection that never comes back", NEVER, REMOVED),
    Flip("what_a_session_never_removed_costs", "Removed at teardown, the same threads share the pool", REMOVED, NEVER),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| never removed | the application holds on to the employees it has served | 200 |",
         "| removed at the end of each request | the application holds on to the employees it has served | 200 |"),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| never removed | the application lets go of the employees it has served | 0 |",
         "| never removed | the application holds on to the employees it has served | 0 |"),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| removed at the end of each request | the application holds on to the employees it has served | 0 |",
         "| never removed | the application holds on to the employees it has served | 0 |"),
    Flip("threaded_servers", "Never removed, the read after an update on the same thread is stale and sends no SQL", NO_REMOVE, YES_REMOVE),
    Flip("threaded_servers", "Removed at teardown, the read after an update is fresh", YES_REMOVE, NO_REMOVE),
    Flip("threaded_servers", "A new thread gets a new session, even though none is ever removed",
         "by Flask's development server, a new thread per request:", "by gunicorn with --threads 1:"),
    Flip("threaded_servers", "Four server threads, four clients, never removed", NO_REMOVE, YES_REMOVE),
    Flip("threaded_servers", "Four server threads, four clients, removed at teardown", YES_REMOVE, NO_REMOVE),
    Flip("fastapi_session_per_request", "Background",
         "by uvicorn, with a session per request from a FastAPI dependency:",
         "by gunicorn with --threads 1:\n      | scoped session removed at teardown | no |"),
]  # fmt: skip

# Scenarios with no broken/fixed setup to flip: they state how the registry behaves.
UNFLIPPED = {("one_session_per_thread", "Two calls on one thread, one on another"),
             ("one_session_per_thread", "Removing the session between two requests")}  # fmt: skip


def _normal(text: str) -> str:
    return " ".join(text.split())


def apply_flip(lines: list[str], flip: Flip) -> None:
    """Rewrite the first matching line inside the scenario's block (or the Background)."""
    heading = "Background:" if flip.scenario == "Background" else flip.scenario
    start = next(i for i, line in enumerate(lines) if line.strip().endswith(heading) and ":" in line)
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(("Scenario", "Rule:")):
            break
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        if stripped.startswith("|") and _normal(stripped) == _normal(flip.before):
            lines[index] = indent + flip.after + "\n"
            return
        if flip.before in lines[index]:
            lines[index] = lines[index].replace(flip.before, flip.after)
            return
    raise AssertionError(f"{flip.feature}: '{flip.before}' not found in '{flip.scenario}': update FLIPS")


def run_area_copy(features: Path, area: str, spec_server) -> list[dict]:
    """Run one area's scenarios from a copy of the features; every scenario's result."""
    results = features.parent / "results.json"
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-m", "pytest", f"steps/test_{area}.py", "-q", "-p", "no:randomly",
         "-o", f"bdd_features_base_dir={features}", f"--spec-results={results}", "--db=url", f"--db-url={admin_url}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return json.loads(results.read_text())["scenarios"]


@pytest.mark.slow
def test_every_flipped_scenario_fails_and_every_other_passes(tmp_path, spec_server):
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    for feature in {flip.feature for flip in FLIPS}:
        path = features / AREA / f"{feature}.feature"
        lines = path.read_text().splitlines(keepends=True)
        for flip in (f for f in FLIPS if f.feature == feature):
            apply_flip(lines, flip)
        path.write_text("".join(lines))
    results = run_area_copy(features, AREA, spec_server)
    flipped = {(f.feature, f.scenario) for f in FLIPS}
    survivors, broken = [], []
    for scenario in results:
        feature = Path(scenario["feature"]["file"]).stem
        name = scenario["scenario"]["name"]
        if scenario["status"] in ("not_applicable", "skipped"):
            continue
        if (feature, name) in flipped or (feature, "Background") in flipped:
            if scenario["status"] != "failed":
                survivors.append(f"{feature}: {name} {scenario.get('example') or ''}")
        elif (feature, name) in UNFLIPPED:
            if scenario["status"] != "passed":
                broken.append(f"{feature}: {name}: {scenario['status']}")
        else:
            broken.append(f"{feature}: {name} is neither flipped nor listed as unflipped")
    assert not survivors, "these scenarios still pass with their fix flipped: " + "; ".join(survivors)
    assert not broken, "; ".join(broken)


# Each savepoint verdict and its opposite: a scenario whose verdict is swapped must fail.
SWAPPED_VERDICTS = {
    "the database clean": "order 3 leaked",
    "order 3 leaked": "the database clean",
    "order 2 leaked": "the database clean",
    "order 2 in the state declined": "the database clean",
    "order 1 in the state ready": "the database clean",
    "missing: the commit was lost": "committed",
    "order 2 committed": "order 2 missing: the commit was lost",
}


@pytest.mark.slow
def test_every_savepoint_scenario_fails_when_its_verdict_is_swapped(tmp_path, spec_server):
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    verdict = re.compile("|".join(re.escape(text) for text in sorted(SWAPPED_VERDICTS, key=len, reverse=True)))
    for path in (features / "savepoint_rollback").glob("*.feature"):
        path.write_text(verdict.sub(lambda match: SWAPPED_VERDICTS[match[0]], path.read_text()))
    ran = [
        s
        for s in run_area_copy(features, "savepoint_rollback", spec_server)
        if s["status"] not in ("not_applicable", "skipped")
    ]
    # a swapped verdict no step defines is refused before it runs ("has no step definition"): it does not pass either
    survivors = [
        f"{s['scenario']['name']} {s.get('example') or ''}"
        for s in ran
        if s["status"] not in ("failed", "collection_error")
    ]
    assert ran, "no savepoint scenario ran"
    assert not survivors, "these scenarios still pass with their verdict swapped: " + "; ".join(survivors)
