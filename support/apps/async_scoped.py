"""The FastAPI HR application's async_scoped_session, scoped by current_task, as an async project often writes it:
endpoints ask the registry for "the" session; a dependency removes it at the end of each request, or there is none.

``HR_REMOVE_AT_TEARDOWN=0`` leaves the removal out. Its engine names its connections (application_name
``spec-async-scoped``) so that another connection can tell them from the other servers' in pg_stat_activity.
"""

from __future__ import annotations

import asyncio
import os
from asyncio import current_task
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session, create_async_engine
from sqlalchemy.orm import sessionmaker

from support.models import Employee

APPLICATION_NAME = "spec-async-scoped"


class AsyncScopedRoutes:
    def __init__(self, url, remove_at_teardown: bool):
        on_postgresql = url.get_backend_name() == "postgresql"  # aiosqlite's and aiomysql's connections have no name
        named = {"server_settings": {"application_name": APPLICATION_NAME}} if on_postgresql else {}
        self.engine = create_async_engine(url, connect_args=named)
        self.registry = async_scoped_session(
            sessionmaker(bind=self.engine, class_=AsyncSession), scopefunc=current_task
        )
        self.remove_at_teardown = remove_at_teardown
        self.requests_in_flight = 0
        self.all_torn_down = asyncio.Condition()

    async def end_of_request(self) -> AsyncIterator[None]:
        """The teardown the fix adds: after the endpoint, on the request's own task, remove() its session."""
        self.requests_in_flight += 1
        try:
            yield
            if self.remove_at_teardown:
                await self.registry.remove()
        finally:
            async with self.all_torn_down:
                self.requests_in_flight -= 1
                self.all_torn_down.notify_all()

    def router(self) -> APIRouter:
        router = APIRouter()
        endpoints = APIRouter(dependencies=[Depends(self.end_of_request)])

        @endpoints.get("/async-scoped/employees/{employee_id}")
        async def read_employee(employee_id: int) -> dict:
            employee = await self.registry().get(Employee, employee_id)
            if employee is None:
                raise HTTPException(404)
            return {"id": employee.id, "email": employee.email}

        @router.get("/_spec/async-scoped/sessions")
        async def sessions_held() -> dict:
            """Test scaffolding: how many sessions the registry holds (one per task that asked and was not removed),
            counted once every earlier request's teardown has run: FastAPI runs it after the response is sent."""
            async with self.all_torn_down:
                await asyncio.wait_for(self.all_torn_down.wait_for(lambda: self.requests_in_flight == 0), 10)
            return {"sessions": len(self.registry.registry.registry)}

        router.include_router(endpoints)
        return router

    async def reset(self) -> None:
        """Test scaffolding, between scenarios: every session the registry holds closed and forgotten."""
        for session in list(self.registry.registry.registry.values()):
            await session.close()
        self.registry.registry.registry.clear()  # ScopedRegistry.clear() forgets only the current task's
        await self.engine.dispose()


def install_async_scoped_routes(app: FastAPI, url) -> AsyncScopedRoutes:
    routes = AsyncScopedRoutes(url, remove_at_teardown=os.environ.get("HR_REMOVE_AT_TEARDOWN", "1") == "1")
    app.include_router(routes.router())
    return routes
