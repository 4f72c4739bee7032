"""The take-home fixtures of support.transactional, used as another project would: one import in its conftest."""

import textwrap

from sqlalchemy import create_engine, text

CONFTEST = """
    import os

    import pytest
    import pytest_asyncio
    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import create_async_engine

    from support.transactional import async_transactional_session, transactional_session  # the one import

    @pytest.fixture
    def engine():
        engine = create_engine(os.environ["TAKE_HOME_URL"])
        yield engine
        engine.dispose()

    @pytest_asyncio.fixture
    async def async_engine():
        engine = create_async_engine(os.environ["TAKE_HOME_ASYNC_URL"])
        yield engine
        await engine.dispose()
"""

TESTS = """
    import pytest
    from sqlalchemy import select

    from support.models import ShopOrder

    def test_code_that_commits(transactional_session):
        transactional_session.add(ShopOrder(id=7, state="new"))
        transactional_session.commit()
        assert transactional_session.get(ShopOrder, 7).state == "new"

    def test_code_that_rolls_back_then_commits(transactional_session):
        transactional_session.add(ShopOrder(id=8, state="new"))
        transactional_session.flush()
        transactional_session.rollback()
        transactional_session.add(ShopOrder(id=9, state="new"))
        transactional_session.commit()
        assert transactional_session.scalars(select(ShopOrder.id)).all() == [9]

    @pytest.mark.asyncio
    async def test_async_code_that_rolls_back_then_commits(async_transactional_session):
        async_transactional_session.add(ShopOrder(id=10, state="new"))
        await async_transactional_session.flush()
        await async_transactional_session.rollback()
        async_transactional_session.add(ShopOrder(id=11, state="new"))
        await async_transactional_session.commit()
        assert (await async_transactional_session.scalars(select(ShopOrder.id))).all() == [11]

    def test_a_later_test_sees_none_of_it(engine):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM shop_orders").scalar() == 0
"""


def test_the_fixtures_roll_back_everything_the_code_under_test_commits(pytester, monkeypatch, database):
    # URLs travel in the environment, so no password is written into the generated files
    monkeypatch.setenv("TAKE_HOME_URL", database.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TAKE_HOME_ASYNC_URL", database.async_url.render_as_string(hide_password=False))
    pytester.makeconftest(textwrap.dedent(CONFTEST))
    pytester.makepyfile(test_take_home=textwrap.dedent(TESTS))
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM shop_orders")).scalar() == 0
    finally:
        engine.dispose()
