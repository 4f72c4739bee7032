"""The session-lifecycle test, written so that it can fail: copy it for your application.

A read, a write made elsewhere, then a read of the same row, expecting the new value. It catches a scoped_session
that no teardown removes only because:

- it keeps what the requests loaded referenced (holding_loaded_objects), as an application that keeps what it
  served would: the identity map holds objects weakly, so with nothing referencing them even a session that is
  never removed loads the row again, and the test passes on the broken application;
- every request is served on the test's own thread (Flask's test client), one after the other, as a thread of a
  threaded server serves them;
- it never calls remove() itself: that is the fix the test is there to check.
"""

from notes.db import Note
from sqlalchemy import update
from sqlalchemy_session_spec import holding_loaded_objects


def test_a_note_changed_elsewhere_is_read_fresh_by_the_next_request(client, token, rollback_session):
    with holding_loaded_objects():
        assert client.get("/notes", headers=token).get_json() == ["first"]
        # another worker's write: a session of its own, committed
        rollback_session.execute(update(Note).where(Note.text == "first").values(text="first, edited"))
        rollback_session.commit()
        assert client.get("/notes", headers=token).get_json() == ["first, edited"]
