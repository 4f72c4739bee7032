"""Test isolation by rolling back an outer transaction: the recommended fixtures, to take home.

Each test gets a Session joined to a connection whose outer transaction is rolled back when the test
ends, so nothing the code under test does survives the test, whether it commits, rolls back, flushes
or nests savepoints. Use it from another project's conftest.py with one import::

    from support.transactional import transactional_session  # needs an `engine` fixture of yours
    from support.transactional import async_transactional_session  # pytest-asyncio; an `async_engine` fixture

or the context managers directly (``with rolled_back_session(engine) as session``, ``async with
rolled_back_async_session(async_engine) as session``). Why these are built the way they are is the subject of
features/savepoint_rollback/, which runs exactly these functions:

- SQLAlchemy 2.0 and later: ``join_transaction_mode="create_savepoint"``. Every transaction the code
  under test begins, commits or rolls back is a SAVEPOINT inside the outer transaction, so its
  commits and rollbacks work as in production and the outer rollback undoes all of it. The default,
  "conditional_savepoint", lets a rollback by the code under test end the outer transaction itself.
- SQLAlchemy 1.4: no join modes; the connection-level recipe: a SAVEPOINT begun on the connection,
  and begun again whenever the Session's transaction ends. It keeps the database clean with the
  classic and the future Session, sync and async.
- The outer transaction is kept as an object and rolled back explicitly (not ``with
  connection.begin():``), so the teardown never fails on a transaction the test already ended.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

RECOMMENDED_MODE = "create_savepoint"
HAS_JOIN_MODES = not sqlalchemy.__version__.startswith("1.")


def restart_savepoint_on(connection: Connection, session: Session) -> None:
    """SQLAlchemy 1.4's connection-level recipe: keep a SAVEPOINT open on the connection for the session."""
    state = {"savepoint": connection.begin_nested()}

    @event.listens_for(session, "after_transaction_end")
    def restart(session_, transaction) -> None:
        if not state["savepoint"].is_active:
            state["savepoint"] = connection.begin_nested()


@contextmanager
def rolled_back_session(engine: Engine, **session_options) -> Iterator[Session]:
    """A Session whose every change is rolled back at the end of the block."""
    with engine.connect() as connection:
        outer = connection.begin()
        if HAS_JOIN_MODES:
            session = Session(bind=connection, join_transaction_mode=RECOMMENDED_MODE, **session_options)
        else:
            session = Session(bind=connection, **session_options)
            restart_savepoint_on(connection, session)
        try:
            yield session
        finally:
            session.close()
            if outer.is_active:
                outer.rollback()


@asynccontextmanager
async def rolled_back_async_session(async_engine, **session_options) -> AsyncIterator:
    """An AsyncSession whose every change is rolled back at the end of the block."""
    from sqlalchemy.ext.asyncio import AsyncSession

    async with async_engine.connect() as connection:
        outer = await connection.begin()
        if HAS_JOIN_MODES:
            session = AsyncSession(bind=connection, join_transaction_mode=RECOMMENDED_MODE, **session_options)
        else:
            session = AsyncSession(bind=connection, **session_options)
            await connection.run_sync(
                lambda sync_connection: restart_savepoint_on(sync_connection, session.sync_session)
            )
        try:
            yield session
        finally:
            await session.close()
            if outer.is_active:
                await outer.rollback()


@pytest.fixture
def transactional_session(engine: Engine) -> Iterator[Session]:
    """The recommended Session for a test: everything it does is rolled back afterwards."""
    with rolled_back_session(engine) as session:
        yield session


try:
    import pytest_asyncio
except ImportError:  # the async fixture needs pytest-asyncio; the context manager does not
    pytest_asyncio = None

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def async_transactional_session(async_engine) -> AsyncIterator:
        """The recommended AsyncSession for a test: everything it does is rolled back afterwards."""
        async with rolled_back_async_session(async_engine) as session:
            yield session
