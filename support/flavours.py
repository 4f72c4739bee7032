"""A scenario's flavour, sync or async, and for async the event loop and AsyncEngine it runs on (fixtures)."""

import asyncio

import pytest

from support.sql_log import SqlLog


@pytest.fixture
def flavour() -> str:
    """sync, unless the scenario's module runs its scenarios once per flavour."""
    return "sync"


@pytest.fixture
def event_loop_runner():
    """One event loop for the whole scenario: the AsyncEngine and every coroutine of the scenario run on it."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def async_engine(event_loop_runner: asyncio.Runner, database, sql_log: SqlLog):
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database.async_url)
    with sql_log.watching(engine):
        yield engine
    event_loop_runner.run(engine.dispose())
