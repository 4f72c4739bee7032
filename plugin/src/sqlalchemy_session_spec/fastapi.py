"""FastAPI dependency overrides that serve the innermost active rollback layer (FastAPI is not a dependency).

    with rollback_overrides(app, sessions=[get_db], sessionmakers=[get_session_factory]):
        ...

Each dependency in ``sessions`` is overridden by one yielding a session of the innermost active layer (the running
test's, else the shared one); each in ``sessionmakers`` by one yielding a factory bound to that layer. Coroutine and
async-generator dependencies get AsyncSessions and async_sessionmakers. The overrides are restored on exit.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager

from sqlalchemy_session_spec.layers import AsyncLayer, Layer, innermost


def _is_async(dependency) -> bool:
    function = dependency if inspect.isfunction(dependency) else type(dependency).__call__  # a callable instance
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def _session():
    session = innermost(Layer).session()
    try:
        yield session
    finally:
        session.close()


async def _async_session():
    session = innermost(AsyncLayer).session()
    try:
        yield session
    finally:
        await session.close()


def _sessionmaker():
    return innermost(Layer).sessionmaker()


async def _async_sessionmaker():
    return innermost(AsyncLayer).sessionmaker()


@contextmanager
def rollback_overrides(app, sessions=(), sessionmakers=()):
    """Point ``app``'s session and sessionmaker dependencies at the innermost rollback layer while active."""
    saved = dict(app.dependency_overrides)
    for dependency in sessions:
        app.dependency_overrides[dependency] = _async_session if _is_async(dependency) else _session
    for dependency in sessionmakers:
        app.dependency_overrides[dependency] = _async_sessionmaker if _is_async(dependency) else _sessionmaker
    try:
        yield app
    finally:
        app.dependency_overrides.clear()
        app.dependency_overrides.update(saved)
