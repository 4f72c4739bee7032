"""Scenarios can fail on MySQL/MariaDB: the database-tagged pairs of issue 18 (populate_existing and the naive
lifecycle test reading the REPEATABLE READ snapshot of a transaction never ended), the row-lock rules brought over to
InnoDB, and InnoDB's row and gap locks held by a test's transaction each fail once what they depend on is flipped,
and every other scenario of their features still passes or is not applicable. The copies run on a private MariaDB
(--db=mariadb), on the SQLAlchemy of the tests' environment; skipped where MariaDB's binaries are missing."""

from pathlib import Path

import pytest

from support.database.mysql import binaries
from support.database.server import ProviderUnavailable
from tests.test_scenarios_can_fail import Flip, flipped_feature_results

LOADED = "And a session made with the execution options populate_existing True has loaded employee 42"
COMMITTED = "And another connection has committed the email new@corp.example for employee 42"
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
    from packaging.specifiers import SpecifierSet

    from support.versions import applies

    flips = [flip for flip in FLIPS[area] if not flip.describes or applies(SpecifierSet(flip.describes))]
    if not flips:
        pytest.skip(f"the {area} flips describe other SQLAlchemy versions")
    flipped = {(flip.feature, flip.scenario) for flip in flips}
    runs = [
        (Path(record["feature"]["file"]).stem, record["scenario"]["name"], record["nodeid"], record["status"])
        for record in flipped_feature_results(tmp_path, spec_server, area, flips, database="mysql")
    ]
    ran = {(feature, name) for feature, name, _, status in runs if status != "not_applicable"}
    assert flipped <= ran, f"not run on MariaDB: {flipped - ran}"
    survivors = [node for feature, name, node, status in runs if (feature, name) in flipped and status == "passed"]
    assert not survivors, "these scenarios still pass when flipped: " + "; ".join(survivors)
    broken = [
        f"{node}: {status}"
        for feature, name, node, status in runs
        if (feature, name) not in flipped and status not in ("passed", "not_applicable")
    ]
    assert not broken, "; ".join(broken)
