"""rollback_overrides on real FastAPI apps: a sync app under TestClient, an async app under httpx and anyio."""

import pytest
import sqlalchemy

from tests.take_home.conftest import assert_one_line

SYNC_APP = """
    import pytest
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.testclient import TestClient
    from sqlalchemy import select
    from sqlalchemy.orm import Session, sessionmaker

    from conftest import Note
    from sqlalchemy_session_spec.fastapi import rollback_overrides

    SessionLocal = sessionmaker()
    app = FastAPI()


    def get_db():
        with SessionLocal() as session:
            yield session


    def get_session_factory():
        return SessionLocal


    @app.post("/notes/{note_id}")
    def add_note(note_id: int, session: Session = Depends(get_db)):
        session.add(Note(id=note_id, text="declined"))
        session.flush()
        session.rollback()  # the payment was declined: roll back, record that, commit
        session.add(Note(id=note_id, text="recorded"))
        session.commit()
        return {"id": note_id}


    @app.get("/notes")
    def list_notes(factory=Depends(get_session_factory)):
        with factory() as session:
            return session.scalars(select(Note.text).order_by(Note.id)).all()


    @app.post("/fail")
    def fail(session: Session = Depends(get_db)):
        session.add(Note(id=99, text="never"))
        session.flush()
        raise HTTPException(status_code=409)


    @pytest.fixture(scope="module")
    def client():
        with rollback_overrides(app, sessions=[get_db], sessionmakers=[get_session_factory]):
            yield TestClient(app)


    @pytest.fixture(scope="module")
    def seeded(rollback_shared_session):
        rollback_shared_session.add(Note(id=1, text="seed"))
        rollback_shared_session.commit()


    def test_a_request_commits_after_a_rollback(seeded, client):
        assert client.post("/notes/2").status_code == 200
        assert client.get("/notes").json() == ["seed", "recorded"]


    def test_a_request_that_raises(seeded, client):
        assert client.post("/fail").status_code == 409
        assert client.get("/notes").json() == ["seed"]


    def test_the_test_sees_what_the_request_wrote(seeded, client, rollback_session):
        client.post("/notes/3")
        assert rollback_session.get(Note, 3).text == "recorded"
"""


def test_a_sync_app_under_testclient_with_a_shared_seed(project):
    project.run(SYNC_APP).assert_outcomes(passed=3)


NO_LAYER = """
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from sqlalchemy_session_spec.fastapi import rollback_overrides

    app = FastAPI()


    def get_db():
        raise AssertionError("the real dependency")


    @app.get("/")
    def root(session: Session = Depends(get_db)):
        return "unreachable"


    def test_a_request_with_no_layer():
        with rollback_overrides(app, sessions=[get_db]):
            TestClient(app).get("/")
"""


def test_a_request_with_no_rollback_layer_is_refused_in_one_line(project):
    result = project.run(NO_LAYER)
    result.assert_outcomes(failed=1)
    assert_one_line(
        result,
        "E       sqlalchemy_session_spec.layers.NoActiveLayer: no rollback layer is active for this request: request "
        "rollback_connection (or a fixture using it) in the test, or use rollback_shared_session in its module",
    )


ASYNC_APP = """
    import httpx
    import pytest
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from conftest import Note
    from sqlalchemy_session_spec.fastapi import rollback_overrides

    pytestmark = pytest.mark.anyio
    app = FastAPI()


    async def get_session_factory():
        yield async_sessionmaker()  # the app's real factory would be bound to its engine


    @app.post("/notes/{note_id}")
    async def add_note(note_id: int, factory=Depends(get_session_factory)):
        async with factory() as session:
            session.add(Note(id=note_id, text="declined"))
            await session.flush()
            await session.rollback()
            session.add(Note(id=note_id, text="recorded"))
            await session.commit()
        async with factory() as session:
            return (await session.scalars(select(Note.text).order_by(Note.id))).all()


    @pytest.fixture
    def anyio_backend():
        return "asyncio"


    @pytest.fixture
    async def client(async_rollback_connection):
        with rollback_overrides(app, sessionmakers=[get_session_factory]):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client


    async def test_an_async_request_commits_after_a_rollback(client):
        assert (await client.post("/notes/1")).json() == ["recorded"]


    async def test_nothing_is_left(client):
        assert (await client.post("/notes/2")).json() == ["recorded"]
"""


@pytest.mark.skipif(sqlalchemy.__version__.startswith("1."), reason="async_sessionmaker is new in 2.0")
def test_an_async_app_under_httpx_and_anyio(project):
    project.run(ASYNC_APP, "-p", "no:asyncio").assert_outcomes(passed=2)
