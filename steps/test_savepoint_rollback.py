import pytest
from pytest_bdd import scenarios

scenarios("savepoint_rollback")


@pytest.fixture(params=["sync", "async"], autouse=True)
def flavour(request) -> str:
    """Every savepoint scenario runs twice: with a Session, and with an AsyncSession on asyncpg."""
    if request.param == "async" and request.node.get_closest_marker("sync_only"):
        pytest.skip("not applicable: a sync-only scenario (its recipe or API has no async form)")
    return request.param
