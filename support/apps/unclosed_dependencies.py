"""FastAPI dependencies that yield a Session and never close it: the defect the request-boundary monitor reports.

The Session's transaction (begun by the endpoint's read) stays open after the request, its connection checked out
until the garbage collector finds the Session. Compare ``support.apps.dependencies``, which closes it.
"""

from collections.abc import AsyncIterator, Callable, Iterator

from support.apps.dependencies import nothing_to_reset


def unclosed_session_per_request(session_factory) -> Callable[[], Iterator]:
    def request_session() -> Iterator:
        yield session_factory()  # never closed: no with, no finally

    request_session.reset = nothing_to_reset
    return request_session


def unclosed_async_session_per_request(session_factory) -> Callable[[], AsyncIterator]:
    async def async_request_session() -> AsyncIterator:
        yield session_factory()  # never closed: no async with, no finally

    async_request_session.reset = nothing_to_reset
    return async_request_session
