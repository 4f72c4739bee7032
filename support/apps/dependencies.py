"""FastAPI dependencies that yield the endpoint's session: one per request from a session factory, closed
afterwards (the fix), or one shared by every request and never closed (the setup the fix replaces).

Each dependency has ``reset()``, test scaffolding the application's reset endpoint awaits between scenarios: a
shared session is replaced by a new one (the suite has already ended the old one's connection on the server).
"""

from collections.abc import AsyncIterator, Callable, Iterator


async def nothing_to_reset() -> None:
    return None


def session_per_request(session_factory) -> Callable[[], Iterator]:
    def request_session() -> Iterator:
        with session_factory() as session:
            yield session

    request_session.reset = nothing_to_reset
    return request_session


def async_session_per_request(session_factory) -> Callable[[], AsyncIterator]:
    async def async_request_session() -> AsyncIterator:
        async with session_factory() as session:
            yield session

    async_request_session.reset = nothing_to_reset
    return async_request_session


def shared_session(session_factory) -> Callable[[], Iterator]:
    """One session, made once, handed to every request and never closed."""
    shared = [session_factory()]

    def request_session() -> Iterator:
        yield shared[0]

    async def reset() -> None:
        shared[0] = session_factory()  # the old one's connection may be gone already: left to the collector

    request_session.reset = reset
    return request_session


def async_shared_session(session_factory) -> Callable[[], AsyncIterator]:
    shared = [session_factory()]

    async def async_request_session() -> AsyncIterator:
        yield shared[0]

    async def reset() -> None:
        shared[0] = session_factory()

    async_request_session.reset = reset
    return async_request_session
