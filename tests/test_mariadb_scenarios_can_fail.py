"""Scenarios can fail on MySQL/MariaDB: the database-tagged pairs of issue 18 (populate_existing and the naive
lifecycle test reading the REPEATABLE READ snapshot of a transaction never ended; the request boundary's stale-read
matrix at REPEATABLE READ and READ COMMITTED, its reloads, bulk statements and aiomysql's errors), the row-lock rules
brought over to InnoDB, and InnoDB's row and gap locks held by a test's transaction each fail once what they depend on
is flipped, and every other scenario of their features still passes or is not applicable. The copies run on a
private MariaDB (--db=mariadb), on the SQLAlchemy of the tests' environment; skipped where MariaDB's binaries are
missing."""

import pytest

from support.database.mysql import binaries
from support.database.server import ProviderUnavailable
from tests.helpers.flips import Flip, assert_flipped_fail_and_others_pass

LOADED = "And a session made with the execution options populate_existing True has loaded employee 42"
COMMITTED = "And another connection has committed the email new@corp.example for employee 42"
STALE, REFRESH, SCOPED, ASYNC, CARRIED, BULK = (
    "when_a_read_is_stale", "refreshing_a_stale_session", "scoped_session_outliving_its_request",
    "the_async_request_boundary", "objects_carried_across_requests", "bulk_statements_and_the_identity_map",
)  # fmt: skip
NEXT_READ = "The next request on the thread reads employee 42 through the session, on MySQL/MariaDB"
REFERENCED, UNREFERENCED = "the application still references employee 42", "nothing references employee 42 any more"
OPEN, COMMITTED_IT = "left its transaction open", "committed its transaction"
ONE_SELECT, BEGIN_SELECT = "one SELECT of employee 42", "BEGIN, then one SELECT of employee 42"
RC_SESSION = "Given a scoped session at READ COMMITTED isolation, expire_on_commit on"
NO_REMOVE, YES_REMOVE = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"
EXPIRING, NOT_EXPIRING = "an AsyncSession has loaded", "an AsyncSession made with expire_on_commit=False has loaded"
OLD_43, UNCHANGED_43 = (
    "another connection has committed the email old@corp.example for employee 43",
    "another connection has committed the email other@corp.example for employee 43",  # matches nothing: no change
)  # fmt: skip
ROW_LOCKS = "row_locks_a_tests_transaction_holds"
STILL_RUNNING, AFTER_ROLLBACK = "while the test is still running", "after the test's outer rollback"

FLIPS = {
    "session_api": [
        # the snapshot is taken by the load: loaded after the commit, the session's SELECT reads the new email
        Flip("execution_options_of_the_session", "Since 2.1, on MySQL/MariaDB the entity SELECT is sent but reads the "
             "old email from the session's snapshot", LOADED, f"{COMMITTED}\n      {LOADED}", describes=">=2.1"),
    ],
    "guarding_the_request_boundary": [
        # the earlier request's session removed: its transaction ended, the read is fresh
        Flip("sql_evidence", "On MySQL/MariaDB, the entity query with populate_existing reads the snapshot of the "
             "transaction left open", "And the application still references employee 42",
             "And the application still references employee 42\n      And the earlier request's session was removed at "
             "its end"),
        # removed at each request's end, the application reads the new email and the naive test passes
        Flip("the_lifecycle_test", "On MySQL/MariaDB the naive test fails: the never-removed session reads its "
             "REPEATABLE READ snapshot", "whose scoped session is never removed",
             "whose scoped session is removed at the end of each request"),
    ],
    "request_boundary": [
        # each row of the MySQL/MariaDB outline, with the one cell that makes its read stale or fresh swapped; the
        # isolation level swapped where the snapshot alone decides
        *[
            Flip(STALE, NEXT_READ, row, flipped)
            for row, flipped in [
                (f"| REPEATABLE READ | on | {OPEN} | {REFERENCED} | old@corp.example | no SQL |",
                 f"| REPEATABLE READ | on | {COMMITTED_IT} | {REFERENCED} | old@corp.example | no SQL |"),
                (f"| REPEATABLE READ | on | {OPEN} | {UNREFERENCED} | old@corp.example | {ONE_SELECT} |",
                 f"| READ COMMITTED | on | {OPEN} | {UNREFERENCED} | old@corp.example | {ONE_SELECT} |"),
                (f"| REPEATABLE READ | off | {COMMITTED_IT} | {REFERENCED} | old@corp.example | no SQL |",
                 f"| REPEATABLE READ | on | {COMMITTED_IT} | {REFERENCED} | old@corp.example | no SQL |"),
                (f"| READ COMMITTED | on | {OPEN} | {REFERENCED} | old@corp.example | no SQL |",
                 f"| READ COMMITTED | on | {COMMITTED_IT} | {REFERENCED} | old@corp.example | no SQL |"),
                (f"| READ COMMITTED | on | {OPEN} | {UNREFERENCED} | new@corp.example | {ONE_SELECT} |",
                 f"| REPEATABLE READ | on | {OPEN} | {UNREFERENCED} | new@corp.example | {ONE_SELECT} |"),
                (f"| REPEATABLE READ | on | {COMMITTED_IT} | {REFERENCED} | new@corp.example | {ONE_SELECT} |",
                 f"| REPEATABLE READ | on | {OPEN} | {REFERENCED} | new@corp.example | {ONE_SELECT} |"),
                (f"| REPEATABLE READ | off | {COMMITTED_IT} | {UNREFERENCED} | new@corp.example | {ONE_SELECT} |",
                 f"| REPEATABLE READ | off | {OPEN} | {UNREFERENCED} | new@corp.example | {ONE_SELECT} |"),
                *[
                    (f"| REPEATABLE READ | on | {ended} | {REFERENCED} | new@corp.example | {BEGIN_SELECT} |",
                     f"| REPEATABLE READ | on | {OPEN} | {REFERENCED} | new@corp.example | {BEGIN_SELECT} |")
                    for ended in ["rolled back its transaction", "closed its session, without remove()",
                                  "closed its session in a with block, without remove()"]
                ],
            ]
        ],
        # the server's own default isolation replaced by READ COMMITTED: the SELECT reads the new row
        Flip(STALE, "On MySQL/MariaDB, at the server's own default isolation, the transaction left open reads its old "
             "snapshot", "Given a scoped session", RC_SESSION),
        # at READ COMMITTED the row fetched is new: populate_existing writes it over the object
        Flip(STALE, "On MySQL/MariaDB at READ COMMITTED, an entity query on a stale session",
             "runs a SELECT of the entity for employee 42",
             'reads employee 42 with "select().execution_options(populate_existing=True)"'),
        Flip(STALE, "On MySQL/MariaDB at READ COMMITTED, the legacy Query behaves as the entity select",
             "runs the legacy Query, filter_by().one(), for employee 42",
             'reads employee 42 with "Query.populate_existing()"'),
        Flip(STALE, "A column query on a stale session, on MySQL/MariaDB", "| REPEATABLE READ | old@corp.example |",
             "| READ COMMITTED | old@corp.example |"),
        Flip(STALE, "A column query on a stale session, on MySQL/MariaDB", "| READ COMMITTED | new@corp.example |",
             "| REPEATABLE READ | new@corp.example |"),
        Flip(STALE, "On MySQL/MariaDB at READ COMMITTED, get() after a column query that returned the new email",
             REFERENCED, UNREFERENCED),
        # each reload made after ending the transaction: the new snapshot has the new row
        *[
            Flip(REFRESH, "Reloading employee 42 inside the transaction left open, on MySQL/MariaDB", f"| {reload} |",
                 "| commits, then reads employee 42 |")
            for reload in [
                "expires everything in its session and reads employee 42", "expires employee 42 and reads it",
                "refreshes employee 42 and reads it", 'reads employee 42 with "Query.populate_existing()"',
                'reads employee 42 with "Session.get(populate_existing=True)"',
                'reads employee 42 with "select().execution_options(populate_existing=True)"',
                'reads employee 42 with "Session.execute(select(), execution_options={populate_existing: True})"',
            ]
        ],
        Flip(REFRESH, "Since 2.1, on MySQL/MariaDB, Session.get() honours populate_existing given in "
             "execution_options, and reads the old snapshot",
             'reads employee 42 with "Session.get(execution_options={populate_existing: True})"',
             "commits, then reads employee 42", describes=">=2.1"),
        # removed at teardown, the next request's session begins a new transaction
        Flip(SCOPED, "On MySQL/MariaDB, an employee nothing references any more is read again, and is stale: the "
             "transaction keeps its snapshot", "scoped session is never removed",
             "scoped session is removed at the end of each request"),
        Flip(ASYNC, "On MySQL/MariaDB, one task, never removed, nothing held: the SELECT reads the old snapshot",
             "is never removed", "is removed at the end of each request"),
        Flip(ASYNC, "On SQLite and MySQL/MariaDB, never removed, every request leaves its session in the registry",
             NO_REMOVE, YES_REMOVE),
        Flip(ASYNC, "On SQLite and MySQL/MariaDB, removed at the end of each request, the registry holds nothing",
             YES_REMOVE, NO_REMOVE),
        # with expire_on_commit off nothing is expired: the attribute is read without IO, and nothing is refused
        Flip(ASYNC, "On 1.4 with aiomysql, the MissingGreenlet naming await_only() comes wrapped in a StatementError, "
             "and leaves a coroutine never awaited", EXPIRING, NOT_EXPIRING, describes="<2.0"),
        Flip(ASYNC, "On 2.0 with aiomysql, the MissingGreenlet naming await_only() comes wrapped in a StatementError, "
             "its coroutine closed", EXPIRING, NOT_EXPIRING, describes=">=2.0,<2.1"),
        Flip(ASYNC, "Since 2.1, on aiomysql, the MissingGreenlet naming await_() comes wrapped in a StatementError",
             EXPIRING, NOT_EXPIRING, describes=">=2.1"),
        Flip(CARRIED, "On MySQL/MariaDB, made transient and added, the employee is INSERTed, and InnoDB refuses a "
             "second employee 42", "made transient, then commits", "made transient with the id 43, then commits"),
        # not expunged, the identity map answers: no SQL
        Flip(CARRIED, "On MySQL/MariaDB, after expunge(), the same session reads employee 42 again, from its "
             "transaction's old snapshot", "And the request has expunged employee 42 from its session",
             "And employee 43 is stored with the email other@corp.example"),
        # another connection's commit that matches nothing: the UPDATE or DELETE leaves employee 43's row alone
        Flip(BULK, "On MySQL/MariaDB a row that matches only in the database is left stale, even by fetch", OLD_43,
             UNCHANGED_43),
        Flip(BULK, "On MySQL/MariaDB, fetch SELECTs the matching rows before the UPDATE", "synchronize_session fetch",
             "synchronize_session evaluate"),
        Flip(BULK, "Since 2.0, on MySQL/MariaDB the default auto falls back to fetch for a LIKE, which SELECTs the "
             "matching rows first", "synchronize_session left at its default", "synchronize_session evaluate",
             describes=">=2.0"),
        Flip(BULK, "On MySQL/MariaDB before 2.0, fetch's SELECT reads the snapshot and misses the row the DELETE "
             "removes", OLD_43, UNCHANGED_43, describes="<2.0"),
        Flip(BULK, "On MariaDB since 2.0, fetch gets the deleted rows back from the DELETE itself, and learns that "
             "employee 43 is gone", "synchronize_session fetch", "synchronize_session evaluate", describes=">=2.0"),
        Flip(BULK, "On MySQL/MariaDB, evaluate leaves the deleted row's object in the session", OLD_43, UNCHANGED_43),
    ],
    "savepoint_rollback": [
        # InnoDB keeps the row lock past the released savepoint: another connection cannot take it
        Flip("the_recommended_fixture", "With the recommended session, the code under test locks a row and commits",
             "another connection cannot lock order 1", "another connection can lock order 1"),
        # the lock held past the released savepoint: asked for after the outer rollback, the update goes through
        Flip(ROW_LOCKS, "On MySQL/MariaDB, another connection's update of the row the code locked gives up after its "
             "lock timeout", STILL_RUNNING, AFTER_ROLLBACK),
        Flip(ROW_LOCKS, "After the test's outer rollback, another connection updates the row the code locked at once",
             AFTER_ROLLBACK, STILL_RUNNING),
        Flip(ROW_LOCKS, "Without FOR UPDATE the code's read locks nothing: another connection updates the row at once",
             "reads order 1 without a lock", "locks order 1 with SELECT ... FOR UPDATE"),
        # the gap lock is REPEATABLE READ's: at READ COMMITTED the insert goes through, and the other way round
        Flip(ROW_LOCKS, "At REPEATABLE READ, a locking read of a missing order blocks another connection's inserts "
             "into its gap",
             "at the database's default", "at READ COMMITTED"),
        Flip(ROW_LOCKS, "At REPEATABLE READ, another connection's insert before order 1, outside that gap, goes "
             "through",
             "insert of order 0", "insert of order 5"),  # the missing order's own id instead
        Flip(ROW_LOCKS, "At READ COMMITTED, a locking read of a missing order locks no gap",
             "at READ COMMITTED", "at the database's default"),
    ],
}  # fmt: skip


def mariadb_missing() -> str | None:
    try:
        binaries.find(None)
    except ProviderUnavailable as missing:
        return str(missing)
    return None


@pytest.mark.slow
@pytest.mark.parametrize("area", FLIPS)
def test_every_flipped_mariadb_scenario_fails_and_every_other_passes(tmp_path, spec_server, area):
    if mariadb_missing():
        pytest.skip(mariadb_missing())
    assert_flipped_fail_and_others_pass(tmp_path, spec_server, area, FLIPS[area], database="mysql")
