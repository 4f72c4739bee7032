"""The request-boundary monitor's cost per request: one Flask application called through WSGI with and without it.

    python benchmarks/bench_monitor.py [--requests 5000] [--runs 3]

The application is the fixed HR shape: a scoped_session removed at teardown, and a route that begins the session's
transaction with one SELECT (SQLite in memory, so the database adds little noise). ``plain``: the application as it
is, the census not listening. ``monitored``: the same application wrapped by the Flask extension, the census
listening (its note at each begin is part of the monitor's cost). On a shared machine a few hundred microseconds of
noise swamp the difference of two long runs, so each run alternates short blocks (``--block`` calls of one, then
of the other, which goes first in turn) and takes the median of the blocks' differences, in CPU time; the figures
are the runs' medians of the per-request times, of the overhead (target <= 50 us) and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy_session_spec.census import process_census
from sqlalchemy_session_spec.flask import RequestBoundaryMonitor

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import report

OVERHEAD_TARGET_US = 50.0


def hr_app() -> tuple[Flask, scoped_session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    registry = scoped_session(sessionmaker(bind=engine))
    app = Flask("hr")

    @app.teardown_appcontext
    def remove_session(exception=None):
        registry.remove()

    @app.get("/employees/<int:employee_id>")
    def read(employee_id: int):
        return str(registry().execute(text("SELECT :id"), {"id": employee_id}).scalar())

    return app, registry


def environ() -> dict:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/employees/42", "SERVER_NAME": "bench", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip


def per_request_us(app, requests: int) -> float:
    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    started = time.process_time()  # CPU time: what other processes of a shared machine take is not counted
    for _ in range(requests):
        response = app(environ(), start_response)
        b"".join(response)
        response.close()
    return (time.process_time() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="calls of each application per run")
    parser.add_argument("--block", type=int, default=100, help="calls of one application before the other's")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    plain, _ = hr_app()
    monitored, registry = hr_app()
    monitor = RequestBoundaryMonitor(monitored, registry)
    census = process_census()
    times: dict[str, list[float]] = {"plain": [], "monitored": []}
    overheads: list[float] = []
    for app in (plain, monitored):  # warm-up: imports, the first connection, Flask's first request
        per_request_us(app, 200)
    for _ in range(options.runs):
        blocks: dict[str, list[float]] = {"plain": [], "monitored": []}
        for block in range(options.requests // options.block):
            for name in ("plain", "monitored") if block % 2 else ("monitored", "plain"):  # neither always first
                census.start() if name == "monitored" else census.stop()
                blocks[name].append(per_request_us(plain if name == "plain" else monitored, options.block))
        for name, values in blocks.items():
            times[name].append(statistics.median(values))
        overheads.append(statistics.median(m - p for p, m in zip(blocks["plain"], blocks["monitored"], strict=True)))
    assert monitor.leaked_sessions == 0, "the fixed application was reported"
    report("plain request", times["plain"], "us", None)
    report("monitored request", times["monitored"], "us", None)
    report("monitor overhead", overheads, "us", OVERHEAD_TARGET_US)
    ratio = statistics.median(times["monitored"]) / statistics.median(times["plain"])
    print(f"ratio monitored/plain (medians): {ratio:.3f}")


if __name__ == "__main__":
    main()
