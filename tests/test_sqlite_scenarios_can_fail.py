"""Scenarios can fail on SQLite: the database-tagged pairs of issue 18 (foreign keys needing PRAGMA foreign_keys=ON
for ON DELETE CASCADE; SAVEPOINT with and without SQLAlchemy's documented pysqlite workaround; the file lock a test's
transaction holds after a read, and none in WAL mode; the request boundary's stale read, locks and errors on SQLite)
each fail once the setting they depend on is flipped, and every other scenario of their features still passes or is
not applicable. The copies run on SQLite (--db=sqlite), on the SQLAlchemy of the tests' environment; a flip that
describes other versions is left out."""

import pytest

from tests.helpers.flips import Flip, assert_flipped_fail_and_others_pass

FOREIGN_KEYS_OFF = "the session's connections to SQLite have foreign keys off"
NO_WORKAROUND = "the session's connections to SQLite lack the SAVEPOINT workaround"
JOINED = "the test has handed the code a session joined with join_transaction_mode conditional_savepoint"
PARENT = "deleting_a_parent"
MODES = "join_transaction_modes"
ROW_LOCKS = "row_locks_a_tests_transaction_holds"
WORKAROUND = (
    "the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins"
)
WITHOUT_WORKAROUND = "the session's connections to SQLite lack the SAVEPOINT workaround"
STALE, COSTS, ASYNC, BULK, CARRIED = (
    "when_a_read_is_stale", "what_a_session_never_removed_costs", "the_async_request_boundary",
    "bulk_statements_and_the_identity_map", "objects_carried_across_requests",
)  # fmt: skip
NEXT_READ = "The next request on the thread reads employee 42 through the session, on SQLite"
REFERENCED, UNREFERENCED = "the application still references employee 42", "nothing references employee 42 any more"
NEVER = "scoped session is never removed"
REMOVED = "scoped session is removed at the end of each request"
NO_REMOVE, YES_REMOVE = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"

FLIPS = {
    "cascades": [
        # ON DELETE CASCADE acts on SQLite only with the pragma: off, the documents stay; on, they go
        Flip(PARENT, "Children not loaded: one DELETE, and the database removes the rest",
             "Given folder 1 with documents 10 and 11 is stored",
             f"Given folder 1 with documents 10 and 11 is stored\n      And {FOREIGN_KEYS_OFF}"),
        Flip(PARENT, "On SQLite without PRAGMA foreign_keys=ON, children not loaded outlive their parent",
             FOREIGN_KEYS_OFF, NO_WORKAROUND),  # a Given that changes nothing here: the pragma is back on
    ],
    "savepoint_rollback": [
        Flip(MODES, "On SQLite without the workaround, a nested savepoint the code under test commits outlives the "
             "test", NO_WORKAROUND, FOREIGN_KEYS_OFF, describes=">=2.0"),  # the workaround is back: nothing leaks
        Flip(MODES, "On SQLite with the workaround, the same savepoint is rolled back with the test",
             f"Given {JOINED}", f"Given {NO_WORKAROUND}\n      And {JOINED}", describes=">=2.0"),  # join modes: 2.0+
        # the database file's lock is the test transaction's: asked for after the outer rollback, the write goes through
        Flip(ROW_LOCKS, "On SQLite, after the code's read, another connection's write waits out its busy timeout",
             "while the test is still running", "after the test's outer rollback"),
        Flip(ROW_LOCKS, "After the test's outer rollback, another connection updates the row the code locked at once",
             "after the test's outer rollback", "while the test is still running"),
        # out of WAL mode (a Given that changes nothing instead), the test's read holds the file against the writer
        Flip(ROW_LOCKS, "On SQLite in WAL mode, the test's read holds nothing against a writer",
             "Given the SQLite database file is in WAL mode", "Given order 7 is stored in the state start"),
    ],
    "request_boundary": [
        # each row of the SQLite outline, with the one cell that makes its read stale or fresh swapped
        *[
            Flip(STALE, NEXT_READ, row, flipped)
            for row, flipped in [
                (f"| SERIALIZABLE | on | left its transaction open | {REFERENCED} | old@corp.example | no SQL |",
                 f"| SERIALIZABLE | on | committed its transaction | {REFERENCED} | old@corp.example | no SQL |"),
                (f"| SERIALIZABLE | off | committed its transaction | {REFERENCED} | old@corp.example | no SQL |",
                 f"| SERIALIZABLE | on | committed its transaction | {REFERENCED} | old@corp.example | no SQL |"),
                *[
                    (f"| {level} | on | left its transaction open | {UNREFERENCED} | new@corp.example | one SELECT of employee 42 |",
                     f"| {level} | on | left its transaction open | {REFERENCED} | new@corp.example | one SELECT of employee 42 |")
                    for level in ["SERIALIZABLE", "READ UNCOMMITTED"]
                ],
                (f"| SERIALIZABLE | on | committed its transaction | {REFERENCED} | new@corp.example | one SELECT of employee 42 |",
                 f"| SERIALIZABLE | on | left its transaction open | {REFERENCED} | new@corp.example | one SELECT of employee 42 |"),
                *[
                    (f"| SERIALIZABLE | on | {ended} | {REFERENCED} | new@corp.example | BEGIN, then one SELECT of employee 42 |",
                     f"| SERIALIZABLE | on | left its transaction open | {REFERENCED} | new@corp.example | BEGIN, then one SELECT of employee 42 |")
                    for ended in ["rolled back its transaction", "closed its session, without remove()"]
                ],
            ]
        ],
        # the workaround given or taken away: the lock, or the snapshot, comes and goes with it
        Flip(STALE, "Without the workaround, another connection commits while the never-removed session is in its transaction",
             "Given a scoped session at SERIALIZABLE", f"Given {WORKAROUND}\n      And a scoped session at SERIALIZABLE"),
        Flip(STALE, "With the workaround, in rollback-journal mode, no other connection can commit until the session ends its "
             "transaction", WORKAROUND, WITHOUT_WORKAROUND),
        Flip(STALE, "With the workaround, in WAL mode, the other connection commits and the session's SELECT reads its old "
             "snapshot", WORKAROUND, WITHOUT_WORKAROUND),
        Flip(STALE, "With the workaround, in WAL mode, a session whose request committed reads the new row",
             "the earlier request committed its transaction", "the earlier request left its transaction open"),
        # the server's own default, with the workaround in WAL mode: the transaction left open keeps its snapshot
        Flip(STALE, "At the server's own default isolation, the transaction left open reads the committed row once "
             "nothing references the employee", "Given a scoped session",
             f"Given the SQLite database file is in WAL mode\n      And {WORKAROUND}\n      And a scoped session"),
        Flip(STALE, "A column query on a stale session, on SQLite", "Given a scoped session at SERIALIZABLE",
             f"Given the SQLite database file is in WAL mode\n      And {WORKAROUND}\n      And a scoped session at SERIALIZABLE"),
        Flip(STALE, "A column query on a stale session with the workaround, in WAL mode, reads the old snapshot",
             WORKAROUND, WITHOUT_WORKAROUND),
        Flip(COSTS, "Never removed, on pysqlite's own transaction handling, the connection is checked out and locks nothing",
             f"Given a Flask application whose {NEVER}", f"Given {WORKAROUND}\n      And a Flask application whose {NEVER}"),
        Flip(COSTS, "Never removed, with the workaround, no other connection can commit", NEVER, REMOVED),
        Flip(COSTS, "Removed at teardown, with the workaround, the transaction ended with the request and others commit",
             REMOVED, NEVER),
        Flip(COSTS, "With the workaround, the thread has ended, the collector has not run: no other connection can commit",
             WORKAROUND, WITHOUT_WORKAROUND),
        Flip(COSTS, "With the workaround, once the collector has run, the pool has rolled the connection back, and others "
             "commit", "When the garbage collector runs", "When a request for employee 42 is served on a thread that then ends"),
        Flip(ASYNC, "On SQLite and MySQL/MariaDB, never removed, every request leaves its session in the registry", NO_REMOVE, YES_REMOVE),
        Flip(ASYNC, "On SQLite and MySQL/MariaDB, removed at the end of each request, the registry holds nothing", YES_REMOVE, NO_REMOVE),
        Flip(ASYNC, "On 1.4 with aiosqlite, touching an attribute expired by the commit raises MissingGreenlet naming "
             "await_only(), and leaves no coroutine",
             "an AsyncSession has loaded", "an AsyncSession made with expire_on_commit=False has loaded", describes="<2.0"),
        Flip(ASYNC, "Since 2.1, on aiosqlite, the MissingGreenlet comes wrapped in a StatementError",
             "an AsyncSession has loaded", "an AsyncSession made with expire_on_commit=False has loaded", describes=">=2.1"),
        Flip(BULK, "On SQLite since 2.0, fetch gets the matched rows back from the UPDATE itself",
             "synchronize_session fetch", "synchronize_session evaluate", describes=">=2.0"),
        Flip(BULK, "On SQLite before 2.0, fetch SELECTs the matching rows before the UPDATE",
             "synchronize_session fetch", "synchronize_session evaluate", describes="<2.0"),
        Flip(CARRIED, "On SQLite, made transient and added, the employee is INSERTed, and SQLite refuses a second employee 42",
             "made transient, then commits", "made transient with the id 43, then commits"),
    ],
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("area", FLIPS)
def test_every_flipped_sqlite_scenario_fails_and_every_other_passes(tmp_path, spec_server, area):
    assert_flipped_fail_and_others_pass(tmp_path, spec_server, area, FLIPS[area], database="sqlite")
