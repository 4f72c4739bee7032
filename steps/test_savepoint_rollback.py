import pytest
from pytest_bdd import scenarios

from support.sqlite_engines import SqliteSettings

scenarios("savepoint_rollback")


@pytest.fixture(params=["sync", "async"], autouse=True)
def flavour(request) -> str:
    """Every savepoint scenario runs twice: with a Session, and with an AsyncSession (asyncpg, or aiosqlite)."""
    if request.param == "async" and request.node.get_closest_marker("sync_only"):
        pytest.skip("not applicable: a sync-only scenario (its recipe or API has no async form)")
    return request.param


@pytest.fixture
def sqlite_settings() -> SqliteSettings:
    """On SQLite, the recommended fixture needs SQLAlchemy's documented pysqlite SAVEPOINT workaround: the engines
    of these scenarios have it (the_recommended_fixture.feature shows it taken away)."""
    return SqliteSettings(savepoint_workaround=True)
