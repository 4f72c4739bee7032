"""Async code at the request boundary: requests served through an async_scoped_session scoped by the current task,
and an AsyncSession's objects after its commit (expired, or not, and loaded again by awaiting)."""

from __future__ import annotations

import asyncio
import functools
from asyncio import current_task
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session
from sqlalchemy.orm import declarative_base, sessionmaker

from support.models import Employee

# the AsyncSession options a feature names, as keyword arguments
ASYNC_SESSIONS = {
    "an AsyncSession": {},
    "an AsyncSession made with expire_on_commit=False": {"expire_on_commit": False},
}


def async_session_factory(engine, **options) -> sessionmaker:
    """sessionmaker(class_=AsyncSession) makes AsyncSessions on 1.4 and 2.x alike (async_sessionmaker is 2.0's)."""
    return sessionmaker(bind=engine, class_=AsyncSession, **options)


@dataclass
class TaskScopedRequests:
    """An async application whose requests read employees through ``async_scoped_session(scopefunc=current_task)``.

    A request runs either on a task of its own (as uvicorn runs each request) or on one long-lived task that
    serves request after request (a queue consumer, a background worker)."""

    runner: asyncio.Runner
    registry: async_scoped_session
    removed_at_end: bool
    held: list[Employee] | None = None  # None: the application lets go of what it served
    _queue: asyncio.Queue | None = field(default=None, repr=False)
    _worker: asyncio.Task | None = field(default=None, repr=False)

    async def serve(self, employee_id: int) -> str:
        try:
            employee = await self.registry().get(Employee, employee_id)
            if self.held is not None:
                self.held.append(employee)
            return employee.email
        finally:
            if self.removed_at_end:
                await self.registry.remove()  # closes the task's session and forgets it

    def on_a_task_of_its_own(self, employee_id: int) -> str:
        return self.runner.run(self.serve(employee_id))  # Runner.run wraps the coroutine in a new task

    def on_the_long_lived_task(self, employee_id: int) -> str:
        return self.runner.run(self._send(employee_id))

    async def _send(self, employee_id: int) -> str:
        if self._worker is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._work())
        answer = asyncio.get_running_loop().create_future()
        await self._queue.put((employee_id, answer))
        return await answer

    async def _work(self) -> None:
        while True:
            employee_id, answer = await self._queue.get()
            try:
                answer.set_result(await self.serve(employee_id))
            except Exception as error:  # the request's error is its answer
                answer.set_exception(error)

    def sessions_held(self) -> int:
        """The registry's sessions: one per task that asked for one and was never removed."""
        return len(self.registry.registry.registry)  # ScopedRegistry's dict, keyed by task

    def close(self) -> None:
        async def close_all():
            if self._worker is not None:
                self._worker.cancel()
            for session in list(self.registry.registry.registry.values()):
                await session.close()

        self.runner.run(close_all())


def task_scoped_requests(runner: asyncio.Runner, engine, removed_at_end: bool) -> TaskScopedRequests:
    registry = async_scoped_session(async_session_factory(engine), scopefunc=current_task)
    return TaskScopedRequests(runner, registry, removed_at_end)


@dataclass(frozen=True)
class CommittedEmployee:
    """An employee an AsyncSession loaded before its commit, with the session and its loop."""

    runner: asyncio.Runner
    session: AsyncSession
    employee: Employee

    def read_email_as_an_attribute(self) -> str:
        async def endpoint():  # async code touching the attribute, as an endpoint building its response
            return self.employee.email

        return self.runner.run(endpoint())

    def refresh_then_read(self) -> str:
        self.runner.run(self.session.refresh(self.employee))
        return self.employee.email

    def await_email(self) -> str:
        """AsyncAttrs.awaitable_attrs (2.0.13 and later): the attribute loaded by awaiting, not by touching it."""
        return self.runner.run(self.employee.awaitable_attrs.email)


def load_and_commit(runner: asyncio.Runner, session: AsyncSession, mapped_class, employee_id: int) -> CommittedEmployee:
    async def load():
        employee = await session.get(mapped_class, employee_id)
        await session.commit()
        return employee

    return CommittedEmployee(runner, session, runner.run(load()))


# how async code reads the committed employee's email: the phrase, and the CommittedEmployee method it stands for
READS_AFTER_COMMIT = {
    "reads the employee's email as an attribute": CommittedEmployee.read_email_as_an_attribute,
    "refreshes the employee through the session, then reads its email": CommittedEmployee.refresh_then_read,
    "awaits the employee's email through awaitable_attrs": CommittedEmployee.await_email,
}


@functools.cache
def employee_with_async_attrs() -> type:
    """The employees table mapped by a class that takes the AsyncAttrs mixin (ImportError before 2.0.13)."""
    from sqlalchemy.ext.asyncio import AsyncAttrs

    class EmployeeWithAsyncAttrs(AsyncAttrs, declarative_base()):
        __table__ = Employee.__table__

    return EmployeeWithAsyncAttrs
