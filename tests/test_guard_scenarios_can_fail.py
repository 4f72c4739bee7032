"""The SQL-evidence and lifecycle-test scenarios can fail: each one, changed in a copy of the features so that its
read becomes fresh (or stale), or its test keeps (or drops) what it needs, fails when the copy runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.flips import Flip, assert_every_flip_fails

ROOT = Path(__file__).resolve().parent.parent
AREA = "guarding_the_request_boundary"
EVIDENCE, LIFECYCLE = "sql_evidence", "the_lifecycle_test"
NO_REMOVE, YES_REMOVE = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"
NEVER = "whose scoped session is never removed"
REMOVED = "whose scoped session is removed at the end of each request"
# the naive test's first read, with what it loads held to the end of the test (one line: the flip rewrites one line)
HELD_FIRST_READ = (
    "from sqlalchemy_session_spec import holding_loaded_objects; held = holding_loaded_objects(); held.__enter__(); "
    'assert client.get("/employees/42").get_json()["email"] == "old@corp.example"'
)

FLIPS = [
    Flip(EVIDENCE, "An entity query on a session that still holds the employee",
         "with a SELECT of the entity, recording", "with a SELECT of the entity and populate_existing, recording"),
    Flip(EVIDENCE, "A transaction left open at REPEATABLE READ reads its old snapshot",
         "at REPEATABLE READ isolation", "at READ COMMITTED isolation"),
    Flip(EVIDENCE, "The earlier request's session was removed",
         "the earlier request's session was removed at its end", "the earlier request left its transaction open"),
    Flip(EVIDENCE, "The entity query asks for populate_existing",
         "with a SELECT of the entity and populate_existing, recording", "with a SELECT of the entity, recording"),
    Flip(EVIDENCE, "READ COMMITTED, and nothing references the employee any more",
         "at READ COMMITTED isolation", "at REPEATABLE READ isolation"),
    Flip(EVIDENCE, "At REPEATABLE READ, never removed: one SELECT for the read, and a stale response",
         NO_REMOVE, YES_REMOVE),
    Flip(EVIDENCE, "At REPEATABLE READ, removed at teardown: one SELECT, and the response the database holds",
         YES_REMOVE, NO_REMOVE),
    Flip(EVIDENCE, "Under gunicorn, never removed: no SQL for the read, and a response the database contradicts",
         NO_REMOVE, YES_REMOVE),
    Flip(EVIDENCE, "Under gunicorn, removed at teardown: one SELECT, and the response the database holds",
         YES_REMOVE, NO_REMOVE),
    Flip(LIFECYCLE, "Nothing is kept between the requests, so the never-removed session reads the row again",
         'assert client.get("/employees/42").get_json()["email"] == "old@corp.example"', HELD_FIRST_READ),
    Flip(LIFECYCLE, "The test removes the session itself between the write and the read",
         "Session.remove()", "pass"),
    Flip(LIFECYCLE, "Holding what the requests loaded, on the broken application", NEVER, REMOVED),
    Flip(LIFECYCLE, "Holding what the requests loaded, on the fixed application", REMOVED, NEVER),
]  # fmt: skip


# PostgreSQL's scenarios (@database:postgresql): SQLite has neither isolation level they name
POSTGRESQL_ONLY = {
    "A transaction left open at REPEATABLE READ reads its old snapshot",
    "READ COMMITTED, and nothing references the employee any more",
    "At REPEATABLE READ, never removed: one SELECT for the read, and a stale response",
    "At REPEATABLE READ, removed at teardown: one SELECT, and the response the database holds",
}
SQLITE_FLIPS = [
    *[flip for flip in FLIPS if flip.scenario not in POSTGRESQL_ONLY],
    # held, the employee is an identity-map hit: the read is stale whatever SQLite's transaction did
    Flip(EVIDENCE, "On SQLite, a transaction left open after a read took no snapshot",
         "And nothing references employee 42 any more", "And the application still references employee 42"),
    # without BEGIN, the read holds no lock: the commit goes through
    Flip(EVIDENCE, "On SQLite with BEGIN sent when the session begins, the transaction left open blocks another "
         "connection's commit", "have the SAVEPOINT workaround, which sends BEGIN when a session begins",
         "lack the SAVEPOINT workaround"),
]  # fmt: skip


@pytest.mark.slow
def test_every_flipped_evidence_and_lifecycle_scenario_fails(tmp_path, spec_server):
    assert_every_flip_fails(tmp_path, spec_server, AREA, FLIPS)


@pytest.mark.slow
def test_every_flipped_evidence_and_lifecycle_scenario_fails_on_sqlite(tmp_path, spec_server):
    assert_every_flip_fails(tmp_path, spec_server, AREA, SQLITE_FLIPS, database="sqlite")
