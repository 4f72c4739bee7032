"""What every database provider hands to the harness: a server it may create databases in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL


class ProviderUnavailable(Exception):
    """A provider cannot serve; the message is one line that names the fix."""


@dataclass(frozen=True)
class ServerHandle:
    """A running PostgreSQL server, as seen by the harness.

    ``admin_url`` is a psycopg2 URL to a maintenance database on that server, for a role that may
    CREATE DATABASE. The harness never writes to that database: it only creates, and later drops,
    databases of its own beside it.
    """

    provider: str  # "embedded", "url" or "container"
    admin_url: URL
    server_version: str  # e.g. "18.6"
    detail: str  # where it runs, for the header; never a password
    swept: tuple[str, ...] = ()  # databases of killed runs this start dropped

    def describe(self) -> str:
        return f"{self.provider} PostgreSQL {self.server_version} ({self.detail})"
