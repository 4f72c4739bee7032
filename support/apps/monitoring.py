"""The request-boundary monitor and the active-session gauge on the HR applications, switched on by configuration.

``HR_MONITOR=1``: the monitor watches each request (the Flask app's scoped_session given to it), logging to the
server's standard error, which the server's log file holds; ``HR_METRICS=1``: the gauge and the monitor's counter
on ``/metrics``. Each application gets a registry of its own: a server forked from the launcher shares nothing.
"""

from __future__ import annotations

import logging
import sys

from sqlalchemy.orm import scoped_session

LOG_FORMAT = "%(name)s: %(message)s"  # a report is one line: "sqlalchemy_session_spec.monitor: 1 session(s) ..."


def monitor_flask(app, registry: scoped_session | None, metrics: bool) -> None:
    from sqlalchemy_session_spec.flask import RequestBoundaryMonitor

    monitor = RequestBoundaryMonitor(app, [registry] if registry is not None else [])
    _log_to_stderr()
    if metrics:
        from prometheus_client import CollectorRegistry, make_wsgi_app
        from sqlalchemy_session_spec.metrics import install_session_metrics
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        metrics_registry = CollectorRegistry()
        install_session_metrics(monitor, metrics_registry)
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": make_wsgi_app(metrics_registry)})


def monitor_fastapi(app, metrics: bool) -> None:
    from sqlalchemy_session_spec.asgi import RequestBoundaryMiddleware
    from sqlalchemy_session_spec.monitor import RequestBoundaryMonitor

    monitor = RequestBoundaryMonitor()
    app.add_middleware(RequestBoundaryMiddleware, monitor=monitor)
    _log_to_stderr()
    if metrics:
        from prometheus_client import CollectorRegistry, make_asgi_app
        from sqlalchemy_session_spec.metrics import install_session_metrics

        metrics_registry = CollectorRegistry()
        install_session_metrics(monitor, metrics_registry)
        app.mount("/metrics", make_asgi_app(metrics_registry))


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.getLogger("sqlalchemy_session_spec.monitor").addHandler(handler)
