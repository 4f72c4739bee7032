import os

import pytest
from bookmarks.db import Base, Bookmark, User
from bookmarks.main import create_app, get_session_factory
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy_session_spec.fastapi import rollback_overrides


@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
async def async_engine():
    engine = create_async_engine(os.environ["SAMPLE_ASYNC_DATABASE_URL"])
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def client(async_engine):
    """One app and client per module; every session the app's factory makes joins the running test's rollback layer."""
    app = create_app(async_engine)
    with rollback_overrides(app, sessionmakers=[get_session_factory]):
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            yield client


@pytest.fixture(scope="module")
async def token(async_rollback_shared_session):
    """A user, a login token and a bookmark, made once per module; every test of the module starts from them."""
    user = User(name="ada", token="ada-secret")
    async_rollback_shared_session.add(user)
    await async_rollback_shared_session.flush()
    async_rollback_shared_session.add(Bookmark(user_id=user.id, url="https://www.sqlalchemy.org"))
    await async_rollback_shared_session.commit()
    return {"Authorization": "Bearer ada-secret"}
