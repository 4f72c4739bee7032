"""The request-boundary monitor as ASGI middleware (Starlette, FastAPI): ``app.add_middleware(...)``.

Each HTTP or WebSocket request is a ``RequestRecord`` of the census, entered in the request's context: Starlette
copies that context into the pool thread where a sync endpoint or dependency runs, so a Session begun there is
noted in its request even though requests interleave on one event loop. The check runs once the inner application
has returned: FastAPI's dependencies with ``yield`` have run their exit code by then. Starlette is not imported here.

A ``scoped_session`` keyed by thread (the default) cannot be checked from the event loop for a sync endpoint's pool
thread; its Session is reported by the request that began its transaction. An ``async_scoped_session`` keyed by
``asyncio.current_task`` is checked as registries are: the middleware runs in the request's task.
"""

from __future__ import annotations

from sqlalchemy_session_spec.monitor import RequestBoundaryMonitor, request_label


class RequestBoundaryMiddleware:
    """``app.add_middleware(RequestBoundaryMiddleware, registries=[...], raise_on_leak=False)``, or ``monitor=``
    a ``RequestBoundaryMonitor`` made beforehand (to feed the active-session gauge's counter from it)."""

    def __init__(self, app, registries=(), *, raise_on_leak: bool = False, monitor=None) -> None:
        self.app = app
        self.monitor = monitor or RequestBoundaryMonitor(registries, raise_on_leak=raise_on_leak)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = self.monitor.started()
        try:
            await self.app(scope, receive, send)
        except BaseException:
            self.monitor.census.leave_request(started[1])
            raise
        self.monitor.ended(started, request_label(scope.get("method", "WEBSOCKET"), scope.get("path", "")))
