"""The test's side of "join a Session to an outer transaction", in every variant the features compare.

A ``JoinedTest`` holds the test's connection, its outer transaction and the Session handed to the code
under test, sync or async (an AsyncSession driven on the scenario's event loop).
"""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy_session_spec import rolled_back_async_session, rolled_back_session
from sqlalchemy_session_spec.joining import restart_savepoint_on

from support import code_under_test

RECIPES = ("connection-level", "session-level")


@dataclass
class JoinSetup:
    style: str = "kept"  # "kept": outer = connection.begin(); "context manager": with connection.begin();
    # "no test transaction": the session is bound to the engine, as the code under test's own would be
    checks_outer_is_active: bool = True  # the teardown's "if outer.is_active:" before its rollback
    mode: str | None = None  # join_transaction_mode; None leaves the default
    already_in_savepoint: bool = False
    recipe: str | None = None  # a 1.4-era event recipe
    future: bool = False  # SQLAlchemy 1.4's Session(future=True)

    def session_options(self) -> dict:
        options = {}
        if self.mode:
            options["join_transaction_mode"] = self.mode
        if self.future:
            options["future"] = True
        return options


def restart_session_savepoint(session: Session) -> None:
    """The session-level 1.4-era recipe: a nested transaction of the Session, begun again when it ends."""
    session.begin_nested()

    @event.listens_for(session, "after_transaction_end")
    def restart(session_, transaction) -> None:
        if transaction.nested and not transaction._parent.nested:
            session_.expire_all()
            session_.begin_nested()


@dataclass
class JoinedTest:
    setup: JoinSetup
    runner: asyncio.Runner | None  # None: sync
    connection: object = None
    outer: object = None
    outer_context: object = None
    session: object = None
    fixture: object = None  # a context manager of sqlalchemy_session_spec that does all of the above
    ended: list = field(default_factory=list)
    teardown_warnings: list[warnings.WarningMessage] = field(default_factory=list)  # what end() was warned

    @property
    def is_async(self) -> bool:
        return self.runner is not None

    def run(self, steps: list[tuple]):
        """Play one of code_under_test.ACTIONS on the session."""
        if self.is_async:
            return self.runner.run(code_under_test.run_async(self.session, steps))
        return code_under_test.run_sync(self.session, steps)

    def in_transaction(self) -> bool:
        """Whether the session handed to the code is still inside a transaction of its own."""
        session = self.session.sync_session if self.is_async else self.session
        return session.in_transaction()

    def end(self) -> None:
        """The test's teardown: close the session, roll the outer transaction back, give the connection back.
        The warnings it raises are kept in ``teardown_warnings``."""
        if self.ended:
            return
        self.ended.append(True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self._end()
        self.teardown_warnings.extend(caught)

    def _end(self) -> None:
        if self.fixture is not None:
            if self.is_async:
                self.runner.run(self.fixture.__aexit__(None, None, None))
            else:
                self.fixture.__exit__(None, None, None)
            return
        if self.is_async:
            self.runner.run(self._end_async())
            return
        self.session.close()
        if self.connection is None:
            return
        if self.outer.is_active or not self.setup.checks_outer_is_active:
            self.outer.rollback()
        if self.outer_context is not None:
            self.outer_context.__exit__(None, None, None)
        self.connection.close()

    async def _end_async(self) -> None:
        await self.session.close()
        if self.connection is None:
            return
        if self.outer.is_active or not self.setup.checks_outer_is_active:
            await self.outer.rollback()
        if self.outer_context is not None:
            await self.outer_context.__aexit__(None, None, None)
        await self.connection.close()


def join_sync(engine, setup: JoinSetup) -> JoinedTest:
    if setup.style == "no test transaction":
        return JoinedTest(setup, None, session=Session(engine, **setup.session_options()))
    joined = JoinedTest(setup, None, connection=engine.connect())
    if setup.style == "context manager":
        joined.outer_context = joined.connection.begin()
        joined.outer = joined.outer_context.__enter__()
    else:
        joined.outer = joined.connection.begin()
    if setup.already_in_savepoint:
        joined.connection.begin_nested()
    joined.session = Session(bind=joined.connection, **setup.session_options())
    if setup.recipe == "connection-level":
        restart_savepoint_on(joined.connection, joined.session)
    elif setup.recipe == "session-level":
        restart_session_savepoint(joined.session)
    return joined


def join_async(runner: asyncio.Runner, async_engine, setup: JoinSetup) -> JoinedTest:
    from sqlalchemy.ext.asyncio import AsyncSession

    options = {k: v for k, v in setup.session_options().items() if k != "future"}  # AsyncSession is future
    if setup.style == "no test transaction":
        return JoinedTest(setup, runner, session=AsyncSession(async_engine, **options))

    async def join() -> JoinedTest:
        joined = JoinedTest(setup, runner, connection=await async_engine.connect())
        if setup.style == "context manager":
            joined.outer_context = joined.connection.begin()
            joined.outer = await joined.outer_context.__aenter__()
        else:
            joined.outer = await joined.connection.begin()
        if setup.already_in_savepoint:
            await joined.connection.begin_nested()
        joined.session = AsyncSession(bind=joined.connection, **options)
        if setup.recipe == "connection-level":
            sync_session = joined.session.sync_session
            await joined.connection.run_sync(lambda connection: restart_savepoint_on(connection, sync_session))
        elif setup.recipe == "session-level":
            await joined.connection.run_sync(lambda _: restart_session_savepoint(joined.session.sync_session))
        return joined

    return runner.run(join())


def recommended_sync(engine) -> JoinedTest:
    """The take-home plugin's own function: sqlalchemy_session_spec.rolled_back_session."""
    fixture = rolled_back_session(engine)
    return JoinedTest(JoinSetup(), None, session=fixture.__enter__(), fixture=fixture)


def recommended_async(runner: asyncio.Runner, async_engine) -> JoinedTest:
    """The take-home plugin's own function: sqlalchemy_session_spec.rolled_back_async_session."""
    fixture = rolled_back_async_session(async_engine)
    return JoinedTest(JoinSetup(), runner, session=runner.run(fixture.__aenter__()), fixture=fixture)


def made_session(bind, mode: str, is_async: bool = False) -> str:
    """A session made with ``join_transaction_mode=mode`` (an AsyncSession for an AsyncEngine), then closed unused."""
    if is_async:
        from sqlalchemy.ext.asyncio import AsyncSession

        AsyncSession(bind, join_transaction_mode=mode).sync_session.close()
    else:
        Session(bind, join_transaction_mode=mode).close()
    return "made"
