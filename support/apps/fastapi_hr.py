"""A real FastAPI application with the session-per-request dependency, sync and async.

Each request gets its own Session from a dependency that yields it and closes it afterwards, so no
identity map survives a request. ``HR_HOLD_SERVED=1`` keeps every served employee referenced, to show
that a held reference no longer matters once each request has its own session. ``HR_SESSION_PER_REQUEST=0``
is the broken setup the fix replaces: the dependencies yield one Session (and one AsyncSession) made when
the application starts, shared by every request and never closed. ``HR_DEPENDENCY_CLOSES_SESSION=0`` swaps the
per-request dependencies for ones that never close their session; ``HR_MONITOR`` / ``HR_METRICS`` install the
request-boundary monitor and the active-session gauge (``support.apps.monitoring``).
"""

import os
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Response
from sqlalchemy import create_engine, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from support.apps.async_scoped import install_async_scoped_routes
from support.apps.dependencies import (
    async_session_per_request,
    async_shared_session,
    session_per_request,
    shared_session,
)
from support.apps.monitoring import monitor_fastapi
from support.apps.unclosed_dependencies import unclosed_async_session_per_request, unclosed_session_per_request
from support.database.own_database import as_async_url
from support.models import Employee
from support.sqlite_engines import engine_options


def app_from_environment() -> FastAPI:
    url = make_url(os.environ["HR_DATABASE_URL"])
    engine = create_engine(url, **engine_options(url, {}))
    async_engine = create_async_engine(as_async_url(url))  # asyncpg, or aiosqlite for an SQLite file
    session_per_request_factory = sessionmaker(bind=engine)
    async_session_per_request_factory = _async_maker(async_engine)
    hold_served = os.environ.get("HR_HOLD_SERVED") == "1"
    served: list[Employee] = []
    app = FastAPI()
    async_scoped = install_async_scoped_routes(app, as_async_url(url))

    if os.environ.get("HR_SESSION_PER_REQUEST", "1") != "1":
        request_session = shared_session(session_per_request_factory)
        async_request_session = async_shared_session(async_session_per_request_factory)
    elif os.environ.get("HR_DEPENDENCY_CLOSES_SESSION") == "0":
        request_session = unclosed_session_per_request(session_per_request_factory)
        async_request_session = unclosed_async_session_per_request(async_session_per_request_factory)
    else:
        request_session = session_per_request(session_per_request_factory)
        async_request_session = async_session_per_request(async_session_per_request_factory)

    def answer(employee: Employee | None) -> dict:
        if employee is None:
            raise HTTPException(404)
        if hold_served:
            served.append(employee)
        return {"id": employee.id, "email": employee.email}

    @app.get("/employees/{employee_id}")
    def read_employee(employee_id: int, session: Annotated[Session, Depends(request_session)]) -> dict:
        return answer(session.get(Employee, employee_id))

    @app.get("/async/employees/{employee_id}")
    async def read_employee_async(
        employee_id: int, session: Annotated[AsyncSession, Depends(async_request_session)]
    ) -> dict:
        return answer(await session.get(Employee, employee_id))

    @app.put("/employees/{employee_id}")
    def update_employee(employee_id: int, change: dict) -> dict:
        with engine.begin() as connection:  # the write path's own connection and transaction
            connection.execute(update(Employee).where(Employee.id == employee_id).values(email=change["email"]))
        return {"id": employee_id, "email": change["email"]}

    @app.get("/_spec/ready")
    def ready() -> Response:
        return Response("ready")

    @app.post("/_spec/reset")
    async def reset_between_scenarios() -> Response:
        """Test scaffolding, not behaviour under study: drop held objects and pooled connections."""
        served.clear()
        await request_session.reset()
        await async_request_session.reset()
        engine.dispose()
        await async_engine.dispose()
        await async_scoped.reset()
        return Response(status_code=204)

    if os.environ.get("HR_MONITOR") == "1":
        monitor_fastapi(app, metrics=os.environ.get("HR_METRICS") == "1")
    return app


def _async_maker(async_engine):
    try:
        from sqlalchemy.ext.asyncio import async_sessionmaker  # 2.0 and later
    except ImportError:  # 1.4
        return sessionmaker(bind=async_engine, class_=AsyncSession)
    return async_sessionmaker(bind=async_engine)
