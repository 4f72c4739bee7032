"""The test's-event-loop scenarios can fail: each one, changed in a copy of its feature so that the child project's
tests run on other loops (or one loop, or an engine pooled or not), fails when the copy runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.flips import ROOT, Flip, apply_flip, run_area_copy

AREA, FEATURE = "savepoint_rollback", "the_tests_event_loop"
TESTS_ON_THEIR_OWN_LOOPS = "asyncio_default_test_loop_scope = function"
TESTS_ON_THE_SESSIONS_LOOP = "asyncio_default_test_loop_scope = session"
SESSION_LOOP_FIXTURE = '@pytest_asyncio.fixture(scope="session", loop_scope="session")'

FLIPS = [
    Flip(FEATURE, "A session-scoped engine under tests on loops of their own: the second test's loop is another",
         TESTS_ON_THEIR_OWN_LOOPS, TESTS_ON_THE_SESSIONS_LOOP),
    Flip(FEATURE, "The fixture's loop_scope alone: the engine's fixture runs on the session's loop, the tests still on "
         "their own", TESTS_ON_THEIR_OWN_LOOPS, TESTS_ON_THE_SESSIONS_LOOP),
    Flip(FEATURE, "A session-scoped async fixture on the function's loop is refused before any test runs",
         '@pytest_asyncio.fixture(scope="session")', SESSION_LOOP_FIXTURE),
    Flip(FEATURE, "Every test on the session's loop, by the ini option",
         TESTS_ON_THE_SESSIONS_LOOP, TESTS_ON_THEIR_OWN_LOOPS),
    Flip(FEATURE, "Every test on the session's loop, by loop_scope on the asyncio mark, the fixture's loop too",
         'pytestmark = pytest.mark.asyncio(loop_scope="session")',
         'pytestmark = pytest.mark.asyncio(loop_scope="function")'),
    Flip(FEATURE, "An engine made and disposed for each test, on that test's loop",
         "@pytest_asyncio.fixture", SESSION_LOOP_FIXTURE),
    Flip(FEATURE, "A session-scoped engine that pools nothing opens each test's connection on that test's loop",
         ', poolclass=NullPool)', ")"),
]  # fmt: skip


@pytest.mark.slow
def test_every_flipped_event_loop_scenario_fails(tmp_path: Path, spec_server):
    """The area's copy holds this feature only (the rest of the area is not what is flipped); each scenario runs once,
    sync (the async code is the child project's): every one must fail."""
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    for other in (features / AREA).glob("*.feature"):
        if other.stem != FEATURE:
            other.unlink()
    path = features / AREA / f"{FEATURE}.feature"
    lines = path.read_text().splitlines(keepends=True)
    for flip in FLIPS:
        apply_flip(lines, flip)
    path.write_text("".join(lines))
    ran = {
        scenario["scenario"]["name"]: scenario["status"]
        for scenario in run_area_copy(features, AREA, spec_server)
        if scenario["status"] not in ("not_applicable", "skipped")  # the async flavour: not applicable
    }
    assert set(ran) == {flip.scenario for flip in FLIPS}, "every scenario needs a flip"
    survivors = [name for name, status in ran.items() if status != "failed"]
    assert not survivors, "these scenarios still pass when flipped: " + "; ".join(survivors)
