"""FastAPI dependencies that yield one session per request from a session factory, and close it afterwards."""

from collections.abc import AsyncIterator, Callable, Iterator


def session_per_request(session_factory) -> Callable[[], Iterator]:
    def request_session() -> Iterator:
        with session_factory() as session:
            yield session

    return request_session


def async_session_per_request(session_factory) -> Callable[[], AsyncIterator]:
    async def async_request_session() -> AsyncIterator:
        async with session_factory() as session:
            yield session

    return async_request_session
