"""The session-leak check's scenarios can fail: each one, changed in a copy of the features so that its project
leaks (or stops leaking, or runs without the check), fails when the copy runs."""

from __future__ import annotations

import pytest

from tests.helpers.flips import Flip, assert_every_flip_fails

AREA, FEATURE = "guarding_the_request_boundary", "the_session_leak_check"
NEVER, REMOVED = "scoped session never removed", "scoped session removed at the end of each request"
UPDATE_THROUGH_THE_ROLLBACK_SESSION = (
    """rollback_session.execute(text("UPDATE employees SET email = 'test@corp.example'"))"""
)
ROLLBACK_FIXTURES = "The plugin's rollback fixtures are not reported, shared layer and pointed registry included"
SESSION_SCOPED = "A Session of a session-scoped fixture outlives every test, and is not reported"

FLIPS = [
    Flip(FEATURE, "The incident's application, its session never removed, fails the test that read through it",
         NEVER, REMOVED),
    Flip(FEATURE, "The fixed application removes its session at teardown, and the test passes", REMOVED, NEVER),
    Flip(FEATURE, "A test that reads through a Session and never closes it",
         "session_leak_check = fail", "session_leak_check = off"),
    Flip(FEATURE, "A test that closes its Session with a with block passes",
         "with Session(engine) as session:", "if session := Session(engine):"),
    # made by a function-scoped fixture that does not close it, the same session is the test's, and reported
    Flip(FEATURE, SESSION_SCOPED, '@pytest.fixture(scope="session")', "@pytest.fixture"),
    Flip(FEATURE, SESSION_SCOPED, "session.close()", "pass"),
    # the application's own registry, not pointed at the test's connection, leaves its entry and transaction
    Flip(FEATURE, ROLLBACK_FIXTURES, "def test_through_the_rollback_session(seeded, rollback_session):",
         "def test_through_the_rollback_session(seeded, rollback_session, Session):"),
    Flip(FEATURE, ROLLBACK_FIXTURES, UPDATE_THROUGH_THE_ROLLBACK_SESSION, 'Session().execute(text("SELECT 1"))'),
    Flip(FEATURE, "A test marked session_leak_allowed is not judged",
         "@pytest.mark.session_leak_allowed(reason=", "@pytest.mark.skipif(False, reason="),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_every_flipped_leak_check_scenario_fails(tmp_path, spec_server, database):
    assert_every_flip_fails(tmp_path, spec_server, AREA, FLIPS, database)
