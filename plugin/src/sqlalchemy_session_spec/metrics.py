"""The active-session gauge: prometheus_client metrics of the process's Sessions, computed at each scrape.

- ``sqlalchemy_sessions_alive``: Sessions not yet garbage collected;
- ``sqlalchemy_sessions_holding``: of those, the ones holding a transaction, a checked-out connection or objects;
- ``sqlalchemy_sessions_in_transaction``: of those, the ones in an open transaction;
- ``sqlalchemy_session_oldest_transaction_age_seconds``: how long ago the oldest open transaction began (0: none);
- ``sqlalchemy_sessions_outlived_request_total``: sessions a request left behind, counted by the request-boundary
  monitor given to ``install_session_metrics``.

The gauges carry the process id (``pid``): each worker of a multi-process server reports its own Sessions. Needs the
extra ``prometheus``: ``pip install 'pytest-sqlalchemy-session-spec[prometheus]'``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

try:
    from prometheus_client import REGISTRY, CollectorRegistry, Counter
    from prometheus_client.core import GaugeMetricFamily
except ImportError:  # one line naming the extra, not a traceback into prometheus_client
    raise ImportError(
        "the active-session gauge needs prometheus_client: pip install 'pytest-sqlalchemy-session-spec[prometheus]'"
    ) from None

from sqlalchemy_session_spec.census import Census, holdings, process_census
from sqlalchemy_session_spec.monitor import RequestBoundaryMonitor


class ActiveSessionCollector:
    """A prometheus_client collector: the census read at each scrape, nothing kept between scrapes."""

    def __init__(self, census: Census | None = None) -> None:
        self.census = census or process_census()
        self.pid = str(os.getpid())

    def collect(self):
        now = time.monotonic()
        alive = self.census.alive()
        holding = in_transaction = 0
        oldest = 0.0
        for session in alive:
            held = holdings(session)
            holding += bool(held)
            in_transaction += held.transaction
            begin = self.census.begin_of(session) if held.transaction else None
            if begin is not None:
                oldest = max(oldest, now - begin.monotonic)
        for name, documentation, value in (
            ("sqlalchemy_sessions_alive", "Sessions alive in this process (not yet garbage collected)", len(alive)),
            ("sqlalchemy_sessions_holding", "Sessions holding a transaction, a connection or objects", holding),
            ("sqlalchemy_sessions_in_transaction", "Sessions in an open transaction", in_transaction),
            ("sqlalchemy_session_oldest_transaction_age_seconds", "Age of the oldest open transaction", oldest),
        ):
            family = GaugeMetricFamily(name, documentation, labels=["pid"])
            family.add_metric([self.pid], value)
            yield family


@dataclass(frozen=True)
class SessionMetrics:
    collector: ActiveSessionCollector
    outlived_request: Counter  # sqlalchemy_sessions_outlived_request_total


def install_session_metrics(
    monitor: RequestBoundaryMonitor | None = None, registry: CollectorRegistry = REGISTRY
) -> SessionMetrics:
    """Registers the gauges (and the counter, fed by ``monitor``) on ``registry``; expose it as usual
    (``prometheus_client.make_wsgi_app()`` / ``make_asgi_app()`` at ``/metrics``)."""
    collector = ActiveSessionCollector(monitor.census if monitor else None)
    registry.register(collector)
    counter = Counter(
        "sqlalchemy_sessions_outlived_request", "Sessions a request left behind (not removed, not closed)",
        registry=registry,
    )  # fmt: skip
    if monitor is not None:
        monitor.on_leak(counter.inc)
    return SessionMetrics(collector, counter)
