"""The async fixtures under pytest-asyncio (strict and auto mode) and anyio, with a session-scoped async engine."""

import pytest
import sqlalchemy

TESTS = """
    import pytest
    from sqlalchemy import select, text

    from conftest import Note

    pytestmark = pytest.mark.{mark}


    async def ids(session):
        return (await session.scalars(select(Note.id).order_by(Note.id))).all()


    async def test_rollback_then_commit(async_rollback_session):
        async_rollback_session.add(Note(id=1, text="rolled back"))
        await async_rollback_session.flush()
        await async_rollback_session.rollback()
        async_rollback_session.add(Note(id=2, text="committed"))
        await async_rollback_session.commit()
        assert await ids(async_rollback_session) == [2]


    async def test_nested_savepoints_and_a_failure(async_rollback_session):
        async with async_rollback_session.begin_nested():
            async_rollback_session.add(Note(id=3, text="released"))
        nested = await async_rollback_session.begin_nested()
        async_rollback_session.add(Note(id=4, text="rolled back to"))
        await async_rollback_session.flush()
        await nested.rollback()
        await async_rollback_session.commit()
        with pytest.raises(RuntimeError):
            async_rollback_session.add(Note(id=5, text="half done"))
            await async_rollback_session.flush()
            raise RuntimeError("failed halfway")
        await async_rollback_session.rollback()
        await async_rollback_session.commit()
        assert await ids(async_rollback_session) == [3]


    async def test_connection_and_sessionmaker(async_rollback_connection, async_rollback_sessionmaker):
        await async_rollback_connection.execute(text("INSERT INTO take_home_notes VALUES (6, 'connection')"))
        async with async_rollback_sessionmaker() as session:
            session.add(Note(id=7, text="sessionmaker"))
            await session.commit()
            assert await ids(session) == [6, 7]


    async def test_an_earlier_test_left_nothing(async_rollback_session):
        assert await ids(async_rollback_session) == []
"""


@pytest.mark.parametrize(
    ("mark", "ini"),
    [
        ("asyncio", "asyncio_mode = strict"),
        ("asyncio", "asyncio_mode = auto"),
        ("asyncio", "asyncio_mode = strict\nasyncio_default_test_loop_scope = session"),
        ("anyio", ""),
    ],
    ids=["pytest-asyncio strict", "pytest-asyncio auto", "pytest-asyncio session loop", "anyio"],
)
def test_the_async_fixtures_roll_back_everything(project, mark, ini):
    arguments = ("-p", "no:asyncio") if mark == "anyio" else ("-p", "no:anyio")
    anyio_backend = '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n' if mark == "anyio" else ""
    result = project.run(TESTS.replace("{mark}", mark), *arguments, conftest=anyio_backend, ini=ini)
    result.assert_outcomes(passed=4)


FACTORIES = """
    import pytest
    from sqlalchemy import select
    from asyncio import current_task

    from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker

    from conftest import Note

    SessionLocal = async_sessionmaker(expire_on_commit=False)
    ScopedSession = async_scoped_session(async_sessionmaker(), scopefunc=current_task)
    CONFIGURED = dict(SessionLocal.kw), dict(ScopedSession.session_factory.kw)


    @pytest.mark.anyio
    async def test_the_project_async_factories(async_rollback_factories):
        async_rollback_factories(SessionLocal, ScopedSession)
        async with SessionLocal() as session:
            session.add(Note(id=1, text="own async_sessionmaker"))
            await session.commit()
        ScopedSession.add(Note(id=2, text="scoped"))
        await ScopedSession.commit()
        assert (await ScopedSession.scalars(select(Note.id).order_by(Note.id))).all() == [1, 2]


    def test_their_configuration_is_restored():
        assert (SessionLocal.kw, ScopedSession.session_factory.kw) == CONFIGURED
        assert ScopedSession.registry.registry == {}
"""


@pytest.mark.skipif(sqlalchemy.__version__.startswith("1."), reason="async_sessionmaker is new in 2.0")
def test_async_rollback_factories_points_the_project_factories(project):
    conftest = '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n'
    project.run(FACTORIES, "-p", "no:asyncio", conftest=conftest).assert_outcomes(passed=2)
