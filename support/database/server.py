"""What every database provider is and hands to the harness: a server it may create databases in."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from .own_database import own_database


class ProviderUnavailable(Exception):
    """A provider cannot serve; the message is one line that names the fix."""


@dataclass(frozen=True)
class ServerHandle:
    """A running PostgreSQL server (or SQLite's directory of database files), as seen by the harness.

    ``admin_url`` is a psycopg2 URL to a maintenance database on that server, for a role that may
    CREATE DATABASE (for SQLite, a URL naming the directory its database files are made in). The harness never
    writes to that database: it only creates, and later drops, databases of its own beside it.
    """

    provider: str  # a provider's name in the registry (support.database.registry)
    admin_url: URL
    server_version: str  # e.g. "18.6"
    detail: str  # where it runs, for the header; never a password
    swept: tuple[str, ...] = ()  # databases of killed runs this start dropped
    dialect: str = "postgresql"  # the database it is: a name of support.databases.NAMES

    def describe(self) -> str:
        from support.databases import NAMES

        provider = "" if self.provider == self.dialect else f"{self.provider} "
        return f"{provider}{NAMES[self.dialect]} {self.server_version} ({self.detail})"


@dataclass(frozen=True)
class ServerSettings:
    """What the user named for the server: ``--db-url``, ``--pg-bin`` and ``--mariadb-bin`` (or their environment
    variables)."""

    url: str | None = None
    pg_bin: Path | None = None
    mariadb_bin: Path | None = None


def _never(settings: ServerSettings) -> bool:
    return False


def _nothing_lacking(settings: ServerSettings) -> str | None:
    return None


@dataclass(frozen=True)
class Provider:
    """One way to get a server, as the registry lists it."""

    name: str
    serve: Callable[[ServerSettings], AbstractContextManager[ServerHandle]]  # a server for the block
    meant_by: Callable[[ServerSettings], bool] = _never  # settings that name this provider: auto takes it first
    lacking: Callable[[ServerSettings], str | None] = _nothing_lacking  # what --db=<name> needs but is not given
    # auto's probe: None when it can serve, else one line why not; unset: not probed
    unavailable: Callable[[], str | None] | None = None
    # the suite's own database in one of its servers, for a worker: a URL for the block (psycopg2, or PyMySQL on
    # MySQL/MariaDB: the admin URL's dialect, support.database.own_database)
    own_database: Callable[[URL, str], AbstractContextManager[URL]] = own_database
