"""The shared (seed) layer: module fixtures seed once, every test's own changes roll back, the seed goes at the end."""

import pytest

from tests.take_home.conftest import assert_one_line

TESTS = """
    import pytest
    from sqlalchemy import select, text

    from conftest import Note


    @pytest.fixture(scope="module")
    def seeded(rollback_shared_session):
        rollback_shared_session.add(Note(id=1, text="seed"))
        rollback_shared_session.commit()
        return rollback_shared_session.get(Note, 1)


    def texts(connection):
        return connection.execute(text("SELECT text FROM take_home_notes ORDER BY id")).scalars().all()


    def test_a_test_sees_the_seed_and_commits(seeded, rollback_session):
        assert rollback_session.get(Note, 1).text == "seed"
        rollback_session.get(Note, 1).text = "changed by a test"
        rollback_session.add(Note(id=2, text="a test's own"))
        rollback_session.commit()
        assert texts(rollback_session.connection()) == ["changed by a test", "a test's own"]


    def test_writes_through_the_shared_session_roll_back_too(seeded, rollback_shared_session):
        assert seeded.text == "seed"
        rollback_shared_session.add(Note(id=3, text="through the shared session"))
        rollback_shared_session.commit()


    def test_a_test_that_asks_for_no_session_still_gets_a_layer(seeded, rollback_shared_session):
        connection = rollback_shared_session.connection()
        assert texts(connection) == ["seed"]
        connection.execute(text("INSERT INTO take_home_notes VALUES (4, 'raw')"))


    def test_the_seed_is_as_it_was(seeded, rollback_connection):
        assert seeded.text == "seed"
        assert texts(rollback_connection) == ["seed"]
"""


@pytest.mark.parametrize("scope", ["module", "session"])
def test_the_shared_layer_keeps_the_seed_and_rolls_back_each_test(project, scope):
    project.run(TESTS, ini=f"rollback_shared_scope = {scope}").assert_outcomes(passed=4)


ASYNC_TESTS = """
    import pytest
    import pytest_asyncio
    from sqlalchemy import text

    from conftest import Note

    pytestmark = pytest.mark.asyncio(loop_scope="module")


    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def seeded(async_rollback_shared_session):
        async_rollback_shared_session.add(Note(id=1, text="seed"))
        await async_rollback_shared_session.commit()


    async def texts(connection):
        return (await connection.execute(text("SELECT text FROM take_home_notes ORDER BY id"))).scalars().all()


    async def test_a_test_commits(seeded, async_rollback_session):
        async_rollback_session.add(Note(id=2, text="a test's own"))
        await async_rollback_session.commit()
        assert await texts(await async_rollback_session.connection()) == ["seed", "a test's own"]


    async def test_the_seed_is_as_it_was(seeded, async_rollback_connection):
        assert await texts(async_rollback_connection) == ["seed"]
"""


def test_the_async_shared_layer_under_a_module_loop(project):
    project.run(ASYNC_TESTS, "-p", "no:anyio").assert_outcomes(passed=2)


def test_an_async_shared_layer_on_another_loop_is_refused_in_one_line(project):
    tests = ASYNC_TESTS.replace(
        'pytestmark = pytest.mark.asyncio(loop_scope="module")', "pytestmark = pytest.mark.asyncio"
    )
    result = project.run(tests, "-p", "no:anyio")
    result.assert_outcomes(errors=2)
    assert_one_line(
        result,
        "async_rollback_shared_session runs on a module-scoped event loop and this test on another: "
        "set asyncio_default_test_loop_scope = module in the pytest ini (pytest-asyncio), "
        'or mark the tests @pytest.mark.asyncio(loop_scope="module")',
    )
