"""The request-boundary monitor and the active-session gauge: installed, watched over HTTP, and what they report."""

from __future__ import annotations

import logging

from flask import Flask
from pytest_bdd import given, parsers, then, when
from sqlalchemy_session_spec.flask import RequestBoundaryMonitor
from sqlalchemy_session_spec.monitor import LOGGER, SessionOutlivedRequest

from support.apps.servers import RunningServer
from support.monitor_evidence import Scrape, scrape, wait_for_monitor_lines
from support.outcome import Outcome
from support.parameter_types import typed

OUTLIVED = "sqlalchemy_sessions_outlived_request_total"
NO_SCOPED_SESSION = "request-boundary monitor: no scoped_session was given"


@given(
    typed("the request-boundary monitor watches the application, {setup:MonitorSetup}"),
    target_fixture="request_monitor",
)
def _(hr_app: Flask, setup: tuple[bool, bool]) -> RequestBoundaryMonitor:
    given_registry, raising = setup
    registries = [hr_app.config["SESSION_REGISTRY"]] if given_registry else []
    return RequestBoundaryMonitor(hr_app, registries, raise_on_leak=raising)


@given("/metrics has been scraped", target_fixture="first_scrape")
def _(web_server: RunningServer) -> Scrape:
    return scrape(web_server)


@when(parsers.parse("employee {employee_id:d} is read over HTTP {times:d} times"))
def _(web_server: RunningServer, outcome: Outcome, employee_id: int, times: int):
    def read_each_time() -> list[dict]:
        with web_server.client() as http:
            return [http.get(f"/employees/{employee_id}").raise_for_status().json() for _ in range(times)]

    outcome.attempt(read_each_time)


@when(parsers.parse("{count:d} requests that use no session are served"))
def _(hr_app: Flask, outcome: Outcome, caplog, count: int):
    caplog.set_level(logging.WARNING, LOGGER.name)
    client = hr_app.test_client()
    outcome.attempt(lambda: [client.get("/_spec/ready").status_code for _ in range(count)])


@then(parsers.parse('the request-boundary monitor logged {count:d} lines, each naming "{request}" and "{cause}"'))
@then(parsers.parse('the request-boundary monitor logged {count:d} line, naming "{request}" and "{cause}"'))
def _(web_server: RunningServer, outcome: Outcome, count: int, request: str, cause: str):
    """One line per request that left sessions behind; here each left one."""
    outcome.succeeded()
    lines = wait_for_monitor_lines(web_server, count)
    assert len(lines) == count, "\n".join(lines) or "no line from the monitor"
    for line in lines:
        assert f"1 session(s) outlived request {request}: {cause}: " in line, line


@then("the request-boundary monitor logged nothing")
def _(web_server: RunningServer, outcome: Outcome):
    outcome.succeeded()
    lines = wait_for_monitor_lines(web_server, 0)
    assert lines == [], "\n".join(lines)


@then(parsers.parse('the request fails with SessionOutlivedRequest: "{cause}"'))
def _(outcome: Outcome, cause: str):
    error = outcome.claim(SessionOutlivedRequest)
    assert "outlived request GET /employees/" in str(error), str(error)
    assert f": {cause}: " in str(error), str(error)
    assert "still holding an open transaction" in str(error), str(error)


@then("the request-boundary monitor said once that it was given no scoped_session, and nothing else")
def _(outcome: Outcome, caplog, request_monitor: RequestBoundaryMonitor):
    assert all(status == 200 for status in outcome.succeeded())
    said = [record.getMessage() for record in caplog.records if record.name == LOGGER.name]
    assert len(said) == 1, said
    assert said[0].startswith(NO_SCOPED_SESSION), said
    assert request_monitor.leaked_sessions == 0


@then(parsers.parse("/metrics counts {count:d} more sessions that outlived a request"))
def _(web_server: RunningServer, outcome: Outcome, first_scrape: Scrape, count: int):
    outcome.succeeded()
    assert scrape(web_server)[OUTLIVED] - first_scrape[OUTLIVED] == count


@then(parsers.parse("/metrics counts between {low:d} and {high:d} more sessions that outlived a request"))
def _(web_server: RunningServer, outcome: Outcome, first_scrape: Scrape, low: int, high: int):
    outcome.succeeded()
    assert low <= scrape(web_server)[OUTLIVED] - first_scrape[OUTLIVED] <= high


@then(parsers.parse("/metrics counts {count:d} sessions that outlived a request"))
def _(web_server: RunningServer, outcome: Outcome, count: int):
    outcome.succeeded()
    assert scrape(web_server)[OUTLIVED] == count


@then("/metrics shows one session holding a transaction for each server thread that served a read")
def _(web_server: RunningServer, outcome: Outcome):
    threads = outcome.succeeded().server_threads_seen
    after = scrape(web_server)
    assert after["sqlalchemy_sessions_in_transaction"] == after["sqlalchemy_sessions_holding"] == threads, after


@then("/metrics shows the oldest open transaction began after the first scrape")
def _(web_server: RunningServer, outcome: Outcome, first_scrape: Scrape):
    outcome.succeeded()
    after = scrape(web_server)
    age = after["sqlalchemy_session_oldest_transaction_age_seconds"]
    assert 0 < age <= after.ended - first_scrape.started, (age, after.ended - first_scrape.started)


@then("/metrics shows no session holding anything, and no open transaction")
def _(web_server: RunningServer, outcome: Outcome):
    outcome.succeeded()
    after = scrape(web_server)
    assert after["sqlalchemy_sessions_holding"] == after["sqlalchemy_sessions_in_transaction"] == 0, after
    assert after["sqlalchemy_session_oldest_transaction_age_seconds"] == 0, after
