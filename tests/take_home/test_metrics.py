"""The active-session gauge: computed at each scrape from the process's Sessions, served on /metrics by real servers."""

import gc
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry, generate_latest, make_asgi_app, make_wsgi_app
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy_session_spec.asgi import RequestBoundaryMiddleware
from sqlalchemy_session_spec.flask import RequestBoundaryMonitor
from sqlalchemy_session_spec.metrics import install_session_metrics
from sqlalchemy_session_spec.monitor import RequestBoundaryMonitor as CoreMonitor
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.take_home.monitor_servers import asgi_served, wsgi_served
from tests.take_home.test_monitor import flask_app

OUTLIVED = "sqlalchemy_sessions_outlived_request_total"


def values(exposition: str) -> dict[str, float]:
    return {s.name: s.value for family in text_string_to_metric_families(exposition) for s in family.samples}


def test_the_gauges_count_what_the_sessions_hold_at_each_scrape(engine):
    registry = CollectorRegistry()
    install_session_metrics(registry=registry)
    gc.collect()
    before = values(generate_latest(registry).decode())
    idle, reading = Session(engine), Session(engine)
    reading.execute(text("SELECT 1"))
    time.sleep(0.05)
    during = values(generate_latest(registry).decode())
    assert during["sqlalchemy_sessions_alive"] - before["sqlalchemy_sessions_alive"] == 2
    assert during["sqlalchemy_sessions_holding"] - before["sqlalchemy_sessions_holding"] == 1
    assert during["sqlalchemy_sessions_in_transaction"] - before["sqlalchemy_sessions_in_transaction"] == 1
    assert during["sqlalchemy_session_oldest_transaction_age_seconds"] >= 0.05
    reading.close()
    after = values(generate_latest(registry).decode())
    assert after["sqlalchemy_sessions_holding"] == before["sqlalchemy_sessions_holding"]
    assert f'pid="{os.getpid()}"' in generate_latest(registry).decode()
    idle.close()


def test_flask_metrics_under_a_dispatcher_count_the_sessions_requests_left(engine):
    app, session_registry = flask_app(engine, remove_at_teardown=False)
    monitor = RequestBoundaryMonitor(app, session_registry)
    metrics = CollectorRegistry()
    install_session_metrics(monitor, metrics)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": make_wsgi_app(metrics)})
    with wsgi_served(app) as http:
        assert values(http.get("/metrics").text)[OUTLIVED] == 0
        for employee_id in (1, 2, 3):
            http.get(f"/employees/{employee_id}").raise_for_status()
        scraped = values(http.get("/metrics").text)
    assert scraped[OUTLIVED] == 3  # the scrape itself is outside the monitor: never counted


def test_fastapi_metrics_mounted_count_a_dependency_that_never_closes(engine):
    factory = sessionmaker(bind=engine)

    def unclosed():
        yield factory()  # noqa: SRB200 (the defect the gauge must count)

    app = FastAPI()

    @app.get("/unclosed")
    def read(session: Annotated[Session, Depends(unclosed)]):
        return session.execute(text("SELECT 1")).scalar()

    monitor = CoreMonitor()
    metrics = CollectorRegistry()
    install_session_metrics(monitor, metrics)
    app.add_middleware(RequestBoundaryMiddleware, monitor=monitor)
    app.mount("/metrics", make_asgi_app(metrics))
    with asgi_served(app) as http:
        http.get("/unclosed").raise_for_status()
        deadline = time.monotonic() + 10  # the ASGI check runs once the response has been sent
        while values(http.get("/metrics/").text)[OUTLIVED] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert values(http.get("/metrics/").text)[OUTLIVED] == 1


def test_bad_input_the_gauge_without_prometheus_client_names_the_extra_in_one_line():
    code = (
        "import sys; sys.modules['prometheus_client'] = None  # as if not installed\n"
        "try:\n    import sqlalchemy_session_spec.metrics\n"
        "except ImportError as error:\n    print(error)\n"
    )
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed == (
        "the active-session gauge needs prometheus_client: pip install 'pytest-sqlalchemy-session-spec[prometheus]'\n"
    )


def test_the_extras_the_messages_name_are_declared():
    extras = tomllib.loads((Path(__file__).resolve().parents[2] / "plugin" / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert extras["prometheus"] == ["prometheus-client>=0.20"]
    assert extras["flask"] == ["Flask>=2.3"]
    assert extras["starlette"] == ["starlette>=0.27"]
