"""The request-boundary monitor as a Flask extension: ``RequestBoundaryMonitor(app, Session)`` or ``init_app``.

It wraps ``app.wsgi_app`` rather than registering a teardown function: Flask runs ``teardown_appcontext``
functions in reverse order of registration, so an extension's teardown registered after the application's own
would run before it and report, falsely, the session that teardown is about to remove. Wrapped, the check runs
once ``wsgi_app`` has returned, when every teardown function has run. Flask is not imported here: the extension
only needs the application object.
"""

from __future__ import annotations

from sqlalchemy_session_spec import monitor

EXTENSION = "sqlalchemy_session_spec.monitor"  # its key in app.extensions


class RequestBoundaryMonitor(monitor.RequestBoundaryMonitor):
    """A ``monitor.RequestBoundaryMonitor`` installed on a Flask application (now, or later with ``init_app``)."""

    def __init__(self, app=None, registries=(), *, raise_on_leak: bool = False, census=None) -> None:
        super().__init__(registries, raise_on_leak=raise_on_leak, census=census)
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        if not hasattr(app, "wsgi_app"):
            raise TypeError(
                f"request-boundary monitor: {type(app).__name__} has no wsgi_app: pass the Flask application "
                "(for another WSGI application, wrap it in sqlalchemy_session_spec.monitor.WSGIMiddleware)"
            )
        app.wsgi_app = monitor.WSGIMiddleware(app.wsgi_app, self)
        app.extensions[EXTENSION] = self
