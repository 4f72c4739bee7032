"""The request-boundary monitor on real Flask and FastAPI applications, served by real servers, on the real database."""

import asyncio
import gc
import logging
import subprocess
import sys
from collections.abc import Callable
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy_session_spec.asgi import RequestBoundaryMiddleware
from sqlalchemy_session_spec.flask import RequestBoundaryMonitor
from sqlalchemy_session_spec.monitor import LOGGER, SessionOutlivedRequest, WSGIMiddleware
from sqlalchemy_session_spec.monitor import RequestBoundaryMonitor as CoreMonitor

from tests.take_home.monitor_servers import asgi_served, wsgi_served

NOT_REMOVED = "scoped_session Session was not removed"
UNCLOSED_CLEANED_UP = "ignore:The garbage collector is trying to clean up:sqlalchemy.exc.SAWarning"  # the defect
STILL_IN_TRANSACTION = "begun during the request, still in a transaction"


@pytest.fixture
def reports(caplog) -> Callable[[], list[str]]:
    """The monitor's log lines so far (from every thread of the process: the servers run in threads)."""
    caplog.set_level(logging.WARNING, LOGGER.name)
    return lambda: [record.getMessage() for record in caplog.records if record.name == LOGGER.name]


def flask_app(engine, *, remove_at_teardown: bool) -> tuple[Flask, scoped_session]:
    """The incident's shape: reads through a scoped_session; removed at teardown or not."""
    registry = scoped_session(sessionmaker(bind=engine))
    app = Flask("hr")

    if remove_at_teardown:

        @app.teardown_appcontext
        def remove_session(exception=None):
            registry.remove()

    @app.get("/employees/<int:employee_id>")
    def read(employee_id: int):
        return {"id": registry().execute(text("SELECT :id"), {"id": employee_id}).scalar()}

    @app.get("/health")
    def health():
        return "ok"

    return app, registry


def test_flask_each_request_that_leaves_the_scoped_session_is_one_line_and_counted(engine, reports):
    app, registry = flask_app(engine, remove_at_teardown=False)
    monitor = RequestBoundaryMonitor(app, registry)
    with wsgi_served(app) as http:
        for employee_id in (1, 2, 3):
            assert http.get(f"/employees/{employee_id}").json() == {"id": employee_id}
    assert monitor.leaked_sessions == 3
    lines = reports()
    assert len(lines) == 3
    for employee_id, line in zip((1, 2, 3), lines, strict=True):
        assert line.startswith(f"1 session(s) outlived request GET /employees/{employee_id}: {NOT_REMOVED}: Session at")
        assert "begun at tests/take_home/test_monitor.py:" in line
        assert " in read on thread " in line
        assert line.endswith("still holding an open transaction and 1 checked-out connection"), line
        assert "\n" not in line


def test_flask_teardown_registered_before_the_monitor_is_seen_by_it(engine, reports):
    """The app's teardown runs before the check: nothing is reported, whatever the order of installation."""
    app, registry = flask_app(engine, remove_at_teardown=True)
    monitor = RequestBoundaryMonitor(app, registry)
    with wsgi_served(app) as http:
        for _ in range(3):
            http.get("/employees/1").raise_for_status()
    assert monitor.leaked_sessions == 0
    assert reports() == []


def test_why_not_a_teardown_function_flask_runs_the_later_registered_one_first(engine):
    """A check registered as a teardown after the application's own would see the session not yet removed."""
    app, registry = flask_app(engine, remove_at_teardown=True)
    seen_at_teardown: list[bool] = []
    app.teardown_appcontext(lambda exception=None: seen_at_teardown.append(registry.registry.has()))
    app.test_client().get("/employees/1").close()
    assert seen_at_teardown == [True]  # a false report: the app's remove() had not run yet
    assert not registry.registry.has()


def test_flask_development_mode_raises_and_the_server_answers_500(engine, reports):
    app, registry = flask_app(engine, remove_at_teardown=False)
    RequestBoundaryMonitor(app, registry, raise_on_leak=True)
    with pytest.raises(SessionOutlivedRequest, match=NOT_REMOVED):
        app.test_client().get("/employees/1")
    registry.remove()
    with wsgi_served(app) as http:
        assert http.get("/employees/1").status_code == 500
    registry.remove()


def test_flask_a_plain_session_left_in_a_transaction_is_reported_and_a_closed_one_is_not(engine, reports):
    app = Flask("plain")
    left: list[Session] = []

    @app.get("/leave")
    def leave():
        left.append(Session(engine))
        left[-1].execute(text("SELECT 1"))
        return "left"

    @app.get("/close")
    def close():
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
        return "closed"

    monitor = RequestBoundaryMonitor(app)
    with wsgi_served(app) as http:
        http.get("/close").raise_for_status()
        http.get("/leave").raise_for_status()
    assert monitor.leaked_sessions == 1
    assert [line.split(": Session at")[0] for line in reports()] == [
        f"1 session(s) outlived request GET /leave: {STILL_IN_TRANSACTION}"
    ]
    left[0].close()


def test_a_monitor_given_no_scoped_session_says_so_once(engine, reports):
    app, _ = flask_app(engine, remove_at_teardown=True)
    RequestBoundaryMonitor(app)
    with wsgi_served(app) as http:
        for _ in range(3):
            http.get("/health").raise_for_status()
    assert reports() == [
        "request-boundary monitor: no scoped_session was given and request GET /health began no Session transaction: "
        "it checks only Sessions that begin one during a request; if the app keeps its sessions in a scoped_session, "
        "pass it to check that it is removed"
    ]


def test_the_plain_wsgi_middleware_monitors_any_wsgi_application(engine, reports):
    registry = scoped_session(sessionmaker(bind=engine))

    def application(environ, start_response):
        registry().execute(text("SELECT 1"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    monitor = CoreMonitor({"db_session": registry})
    with wsgi_served(WSGIMiddleware(application, monitor)) as http:
        http.get("/anything").raise_for_status()
    assert monitor.leaked_sessions == 1
    assert "outlived request GET /anything: scoped_session db_session was not removed" in reports()[0]


@pytest.mark.parametrize("given", [[object()], {"db": "Session"}])
def test_bad_input_a_registry_that_is_not_a_scoped_session_is_one_line(given):
    with pytest.raises(TypeError) as refused:
        CoreMonitor(given)
    assert "\n" not in str(refused.value)
    assert "is not a scoped_session but " in str(refused.value)
    assert "pass the scoped_session (or async_scoped_session) object itself" in str(refused.value)


def test_bad_input_the_flask_extension_on_something_that_is_not_flask_is_one_line():
    with pytest.raises(TypeError, match=r"^request-boundary monitor: FastAPI has no wsgi_app: pass the Flask"):
        RequestBoundaryMonitor(FastAPI())


# --- ASGI: FastAPI under uvicorn -------------------------------------------------------------------------


def fastapi_app(engine, async_engine, monitor: CoreMonitor) -> FastAPI:
    sync_factory = sessionmaker(bind=engine)
    async_factory = sessionmaker(bind=async_engine, class_=AsyncSession)

    def unclosed():
        yield sync_factory()  # noqa: SRB200 (the defect the monitor must report)

    def closed():
        session = sync_factory()
        try:
            yield session
        finally:
            session.close()

    async def async_unclosed():
        yield async_factory()  # noqa: SRB200 (the defect the monitor must report)

    async def async_closed():
        async with async_factory() as session:
            yield session

    app = FastAPI()

    @app.get("/sync/unclosed")
    def sync_unclosed(session: Annotated[Session, Depends(unclosed)]):
        return session.execute(text("SELECT 1")).scalar()

    @app.get("/sync/closed")
    def sync_closed(session: Annotated[Session, Depends(closed)]):
        return session.execute(text("SELECT 1")).scalar()

    @app.get("/async/unclosed")
    async def read_async_unclosed(session: Annotated[AsyncSession, Depends(async_unclosed)]):
        return (await session.execute(text("SELECT 1"))).scalar()

    @app.get("/async/closed")
    async def read_async_closed(session: Annotated[AsyncSession, Depends(async_closed)]):
        return (await session.execute(text("SELECT 1"))).scalar()

    app.add_middleware(RequestBoundaryMiddleware, monitor=monitor)
    return app


@pytest.fixture
def async_engine(database):
    """No pool: each server's event loop has connections of its own, none outlives its loop."""
    engine = create_async_engine(database.async_url, poolclass=NullPool)
    yield engine
    asyncio.run(engine.dispose())


@pytest.mark.filterwarnings(UNCLOSED_CLEANED_UP)
def test_fastapi_dependencies_that_never_close_are_reported_sync_and_async_and_closing_ones_are_not(
    engine, async_engine, reports
):
    """The sync dependency and endpoint run in a pool thread; the check runs after the yield dependencies exited."""
    monitor = CoreMonitor()
    with asgi_served(fastapi_app(engine, async_engine, monitor)) as http:
        for path in ("/sync/closed", "/async/closed", "/sync/unclosed", "/async/unclosed"):
            assert http.get(path).json() == 1
    assert monitor.leaked_sessions == 2
    assert [line.split(": Session at")[0] for line in reports() if "outlived" in line] == [
        f"1 session(s) outlived request GET /sync/unclosed: {STILL_IN_TRANSACTION}",
        f"1 session(s) outlived request GET /async/unclosed: {STILL_IN_TRANSACTION}",
    ]


@pytest.mark.filterwarnings(UNCLOSED_CLEANED_UP)
def test_asgi_requests_interleaved_on_one_event_loop_are_each_charged_with_their_own_sessions(async_engine, reports):
    """Request A begins a session and waits while request B runs and ends: B is not blamed for A's session."""
    factory = sessionmaker(bind=async_engine, class_=AsyncSession)
    b_done = asyncio.Event()
    app = FastAPI()

    @app.get("/a")
    async def a():
        session = factory()  # never closed
        await session.execute(text("SELECT 1"))
        await asyncio.wait_for(b_done.wait(), 10)
        return "a"

    @app.get("/b")
    async def b():
        b_done.set()
        return "b"

    monitor = CoreMonitor()
    app.add_middleware(RequestBoundaryMiddleware, monitor=monitor)
    with asgi_served(app) as http:
        base = str(http.base_url)

        async def both():
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                first = asyncio.ensure_future(client.get("/a"))
                await asyncio.sleep(0.3)
                await client.get("/b")
                return await first

        assert asyncio.run(both()).json() == "a"
    assert [line.split(": Session at")[0] for line in reports() if "outlived" in line] == [
        f"1 session(s) outlived request GET /a: {STILL_IN_TRANSACTION}"
    ]


@pytest.mark.filterwarnings(UNCLOSED_CLEANED_UP)
def test_an_async_scoped_session_per_task_not_removed_is_reported_as_its_registry(async_engine, reports):
    registry = async_scoped_session(
        sessionmaker(bind=async_engine, class_=AsyncSession), scopefunc=asyncio.current_task
    )
    app = FastAPI()

    @app.get("/scoped")
    async def read():
        return (await registry().execute(text("SELECT 1"))).scalar()

    @app.post("/forget")
    async def forget():
        """Test scaffolding: the registry's entry of the ended task dropped, its connection ended on this loop."""
        registry.registry.registry.clear()

    monitor = CoreMonitor({"AsyncSession": registry})
    app.add_middleware(RequestBoundaryMiddleware, monitor=monitor)
    with asgi_served(app) as http:
        http.get("/scoped").raise_for_status()
        http.post("/forget").raise_for_status()
    assert "outlived request GET /scoped: scoped_session AsyncSession was not removed" in reports()[0]


@pytest.mark.filterwarnings(UNCLOSED_CLEANED_UP)
def test_asgi_development_mode_raises_to_the_caller(async_engine):
    app = fastapi_app(create_engine("sqlite://"), async_engine, CoreMonitor(raise_on_leak=True))

    async def call() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                await client.get("/async/unclosed")
            except SessionOutlivedRequest as error:
                message = str(error)  # not the error: its traceback holds the session
        gc.collect()  # the unclosed session's connection ended on this loop
        return message

    assert STILL_IN_TRANSACTION in asyncio.run(call())


def test_the_monitor_modules_import_neither_flask_nor_starlette():
    code = (
        "import sys; import sqlalchemy_session_spec.monitor, sqlalchemy_session_spec.flask, "
        "sqlalchemy_session_spec.asgi; print(sorted(m for m in ('flask', 'starlette', 'fastapi') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
