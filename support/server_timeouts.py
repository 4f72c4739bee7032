"""The server's idle timeouts, set on the suite's own database for one scenario, and the wait that lets them act.

PostgreSQL applies a database's settings (ALTER DATABASE ... SET) to every connection made to it afterwards: the
scenario's engines, and the web servers' pools, which are emptied before each scenario. The observer's connection
was made before, so it keeps none of them; the setting is reset when the scenario ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from support.apps.servers import RunningServer
from support.models import Employee
from support.observer import Observer
from support.versions import NOT_APPLICABLE

if TYPE_CHECKING:  # imported where used: sqlalchemy.ext.asyncio needs greenlet since 2.1
    from sqlalchemy.ext.asyncio import AsyncSession

# what a timeout ends, as a feature names it: the server setting, and the pg_stat_activity state it ends
IDLE_TIMEOUTS = {
    "transactions left idle": ("idle_in_transaction_session_timeout", "idle in transaction"),
    "connections left idle outside a transaction": ("idle_session_timeout", "idle"),
}
SINCE = {"idle_session_timeout": 140000}  # the server_version_num that introduced a setting (PostgreSQL 14)
# pool_pre_ping and pool_recycle, each alone and both, and the pool's defaults: create_engine() keyword arguments
POOL_OPTIONS = {
    "pool_pre_ping=True": {"pool_pre_ping": True},
    "pool_recycle=0.5": {"pool_recycle": 0.5},
    "pool_pre_ping=True, pool_recycle=0.5": {"pool_pre_ping": True, "pool_recycle": 0.5},
    "the pool's defaults": {},
}
SERVER_ENDS_WITHIN = 10.0  # seconds the server may take, on a loaded machine, to end what outlived its timeout


@dataclass
class DatabaseTimeouts:
    """The idle timeouts this scenario set on the suite's database; each reset when the scenario ends."""

    observer: Observer
    states_ended: list[str] = field(default_factory=list)

    def set(self, ended: tuple[str, str], milliseconds: int) -> Callable[[], None]:
        setting, state = ended
        server = int(self.observer.scalar("SHOW server_version_num"))
        if server < SINCE.get(setting, 0):
            pytest.skip(f"{NOT_APPLICABLE}: {setting} needs PostgreSQL 14 or later, this server is {server}")
        database = self._database()
        self.observer.connection.execute(text(f"ALTER DATABASE {database} SET {setting} = {int(milliseconds)}"))
        self.states_ended.append(state)
        return lambda: self.observer.connection.execute(text(f"ALTER DATABASE {database} RESET {setting}"))

    def _database(self) -> str:
        name = self.observer.scalar("SELECT current_database()")
        return self.observer.connection.dialect.identifier_preparer.quote(name)

    def wait(self, seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
        """Let ``seconds`` pass, then, if a timeout is set, until the server has ended every connection of the
        scenario it applies to (it acts after the timeout, at once on a quiet machine)."""
        sleep(seconds)
        deadline = time.monotonic() + SERVER_ENDS_WITHIN
        while any(state in self.states_ended for state in self._states()):
            assert time.monotonic() < deadline, f"the server did not end the idle connections: {self._states()}"
            sleep(0.05)

    def _states(self) -> list[str]:
        return [state for state, _ in self.observer.sessions_of_the_scenario()]


def close_after_a_disconnect(close: Callable[[], object]) -> None:
    """Close a session whose connection the server ended: the close's ROLLBACK fails once, on the dead connection
    it had not noticed, and leaves the session to a second close."""
    with suppress(DBAPIError):
        close()


@dataclass
class LongLivedAsyncSession:
    """One AsyncSession that serves request after request, never closed between them, on the scenario's loop."""

    runner: asyncio.Runner
    session: AsyncSession

    def read_email(self, employee_id: int) -> str:
        async def read() -> str:
            return (await self.session.get(Employee, employee_id)).email

        return self.runner.run(read())

    def load(self, employee_id: int) -> None:
        """A request reads the employee and keeps no reference to it after the request."""
        self.read_email(employee_id)

    def sleep(self, seconds: float) -> None:
        """Time passes with the event loop running, as in a server: asyncpg sees the server close the connection."""
        self.runner.run(asyncio.sleep(seconds))

    def close(self) -> None:
        close_after_a_disconnect(lambda: self.runner.run(self.session.close()))


def lines_logged(server: RunningServer, start: str, within: float = 5.0) -> list[str]:
    """The lines of the server's log that begin with ``start``, waiting ``within`` seconds for the first."""
    deadline = time.monotonic() + within
    while True:
        log = server.log.read_text(errors="replace")
        lines = [line for line in log.splitlines() if line.startswith(start)]
        if lines or time.monotonic() > deadline:
            assert lines, f"the server logged no line beginning {start!r}: {log[-2000:]}"
            return lines
        time.sleep(0.05)
