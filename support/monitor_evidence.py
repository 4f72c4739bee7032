"""What a served application's request-boundary monitor and active-session gauge say: its log lines, its /metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from support.apps.monitoring import LOG_FORMAT
from support.apps.servers import RunningServer

MONITOR_LINE = LOG_FORMAT.split("%(message)s")[0] % {"name": "sqlalchemy_session_spec.monitor"}
REPORT_WAIT = 10.0  # s a report may take to reach the log: an ASGI app checks after its response has been sent
SILENCE_WAIT = 1.0  # s the log must stay free of reports, for the same reason


@dataclass(frozen=True)
class Scrape:
    """One GET /metrics: each sample's value by name (one worker process: no label is needed to tell them apart)."""

    values: dict[str, float]
    started: float  # time.monotonic() before the request
    ended: float  # and after its answer

    def __getitem__(self, sample: str) -> float:
        return self.values[sample]


def scrape(server: RunningServer) -> Scrape:
    started = time.monotonic()
    with server.client() as http:
        text = http.get("/metrics").raise_for_status().text
    ended = time.monotonic()
    values = {sample.name: sample.value for family in text_string_to_metric_families(text) for sample in family.samples}
    return Scrape(values, started, ended)


def monitor_lines(server: RunningServer) -> list[str]:
    """The monitor's lines in the server's log since the scenario began (the log is emptied at each reset)."""
    return [line for line in server.log.read_text(errors="replace").splitlines() if line.startswith(MONITOR_LINE)]


def wait_for_monitor_lines(server: RunningServer, count: int) -> list[str]:
    """The monitor's lines once there are ``count`` of them (or after REPORT_WAIT s, with what there is)."""
    deadline = time.monotonic() + (REPORT_WAIT if count else SILENCE_WAIT)
    lines = monitor_lines(server)
    while time.monotonic() < deadline and (len(lines) < count or not count):
        time.sleep(0.05)
        lines = monitor_lines(server)
    return lines
