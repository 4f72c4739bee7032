import pytest
from bookmarks.db import Bookmark, User
from sqlalchemy import func, select

pytestmark = pytest.mark.anyio
SEED = ["https://www.sqlalchemy.org"]


async def test_a_bookmark_is_committed(client, token):
    assert (await client.post("/bookmarks", json={"url": "https://fastapi.tiangolo.com"}, headers=token)).is_success
    assert (await client.get("/bookmarks", headers=token)).json() == [*SEED, "https://fastapi.tiangolo.com"]


async def test_a_duplicate_is_rolled_back(client, token):
    response = await client.post("/bookmarks", json={"url": SEED[0]}, headers=token)
    assert response.status_code == 409
    assert (await client.post("/bookmarks", json={"url": "https://anyio.readthedocs.io"}, headers=token)).is_success
    assert (await client.get("/bookmarks", headers=token)).json() == [*SEED, "https://anyio.readthedocs.io"]


async def test_a_failing_request_changes_nothing(client, token):
    with pytest.raises(RuntimeError, match="audit log"):
        await client.delete("/bookmarks", headers=token)
    assert (await client.get("/bookmarks", headers=token)).json() == SEED


async def test_a_bad_token_is_refused(client, token):
    assert (await client.get("/bookmarks", headers={"Authorization": "Bearer nobody"})).status_code == 401


async def test_the_tests_session_sees_what_requests_did(client, token, async_rollback_session):
    await client.post("/bookmarks", json={"url": "https://www.python.org"}, headers=token)
    found = await async_rollback_session.scalars(select(Bookmark.url).order_by(Bookmark.id))
    assert found.all() == [*SEED, "https://www.python.org"]


async def test_each_test_starts_from_the_seed_alone(client, token, async_rollback_session):
    assert (await client.get("/bookmarks", headers=token)).json() == SEED
    assert await async_rollback_session.scalar(select(func.count()).select_from(User)) == 1
