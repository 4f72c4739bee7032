"""The teardown lint's scenarios can fail: each one, changed in a copy of the features so that its module is fixed
(or broken, or no longer a Session), or its verdict swapped, fails when the copy runs."""

from __future__ import annotations

import pytest

from tests.helpers.flips import Flip, assert_every_flip_fails

AREA, FEATURE = "guarding_the_request_boundary", "teardown_lint"
NOTHING, SRB100_LINE_5 = "Then flake8 reports nothing", "Then flake8 prints one line, SRB100 on line 5 of app.py"

FLIPS = [
    Flip(FEATURE, "The incident's module, with no teardown at all, is reported on the line that makes the registry",
         "Session = scoped_session(sessionmaker(bind=engine))", "Session = sessionmaker(bind=engine)"),
    Flip(FEATURE, "The fixed module removes the session at teardown_appcontext, and nothing is reported",
         "Session.remove()", "Session.close()"),
    Flip(FEATURE, "remove() in a helper that the teardown function calls counts",
         "Session.remove()", "Session.close()"),
    Flip(FEATURE, "Flask-SQLAlchemy's db.session is not reported, since the extension removes it itself",
         NOTHING, SRB100_LINE_5),
    Flip(FEATURE, "A registry made by a factory function is reported where the factory's result is bound",
         "return scoped_session(sessionmaker(bind=engine))", "return sessionmaker(bind=engine)"),
    Flip(FEATURE,
         "A registry imported from the project's database module is reported in the module that builds the app",
         "Session = scoped_session(sessionmaker())", "Session = sessionmaker()"),
    Flip(FEATURE, "The specification's own incident app removes only when asked, and a lint cannot see the condition",
         NOTHING, SRB100_LINE_5),
    Flip(FEATURE, "A dependency that yields a Session and never closes it is reported",
         "session = SessionLocal()", "session = object()"),
    Flip(FEATURE, "A close() after the yield runs only when the request succeeded, and is reported",
         "session.close()", "session.rollback()"),
    Flip(FEATURE, "A dependency that closes its Session in a finally is not reported",
         "session.close()", "session.rollback()"),
    Flip(FEATURE, "A dependency that yields inside a with block is not reported",
         "yield session", "yield SessionLocal()"),
    Flip(FEATURE, "A module cut off in the middle of a call",
         "Session = scoped_session(sessionmaker(", "Session = scoped_session(sessionmaker())"),
]  # fmt: skip


@pytest.mark.slow
def test_every_flipped_lint_scenario_fails(tmp_path, spec_server):
    assert_every_flip_fails(tmp_path, spec_server, AREA, FLIPS)
