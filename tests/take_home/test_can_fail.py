"""The plugin's tests can fail: joined with the 2.x default instead, the rollback-then-commit test leaks its row."""

import pytest
import sqlalchemy

from tests.take_home.test_sync_fixtures import TESTS

FORCE_THE_DEFAULT_JOIN = """
    import sqlalchemy_session_spec.joining

    sqlalchemy_session_spec.joining.JOIN_MODE = "conditional_savepoint"  # the flip: the 2.x default
"""


@pytest.mark.skipif(sqlalchemy.__version__.startswith("1."), reason="join modes are new in 2.0")
def test_with_the_default_join_mode_the_rollback_then_commit_test_leaks(project):
    with pytest.raises(AssertionError, match=r"left behind: \[\(3, 'committed'\)\]"):
        project.run(TESTS, "-k", "rollback_then_commit", conftest=FORCE_THE_DEFAULT_JOIN)
