"""Scenarios can fail on MySQL/MariaDB: the database-tagged pairs of issue 18 (populate_existing and the naive
lifecycle test reading the REPEATABLE READ snapshot of a transaction never ended) and the row-lock rules brought
over to InnoDB each fail once what they depend on is flipped, and every other scenario of their features still
passes or is not applicable. The copies run on a private MariaDB (--db=mariadb), on the SQLAlchemy of the tests'
environment; skipped where MariaDB's binaries are missing."""

import pytest

from support.database.mysql import binaries
from support.database.server import ProviderUnavailable
from tests.helpers.flips import Flip, assert_flipped_fail_and_others_pass

LOADED = "And a session made with the execution options populate_existing True has loaded employee 42"
COMMITTED = "And another connection has committed the email new@corp.example for employee 42"

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
