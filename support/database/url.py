"""The url provider: an existing PostgreSQL server, given by URL.

The URL's own database is only ever connected to, to create and later drop the suite's own database
beside it. Every refusal is one line naming the fix, within the connect timeout; a password never
appears in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from .server import ProviderUnavailable, ServerHandle

CONNECT_TIMEOUT = 4  # seconds; libpq applies it to the whole connection attempt
EXAMPLE = "postgresql://user@host:5432/postgres"
POSTGRESQL_SCHEMES = {"postgresql", "postgres"}


def safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def parse_server_url(url_text: str) -> URL:
    """The URL with the psycopg2 driver named; refuses what is not a PostgreSQL URL."""
    try:
        url = make_url(url_text)
    except (ArgumentError, ValueError):
        raise ProviderUnavailable(f"--db-url is not a database URL: give one like {EXAMPLE}") from None
    backend = url.drivername.split("+", 1)[0]
    if backend not in POSTGRESQL_SCHEMES:
        raise ProviderUnavailable(f"--db-url names a {backend} server, not PostgreSQL: give one like {EXAMPLE}")
    if not url.host and "host" not in url.query:
        raise ProviderUnavailable(f"--db-url has no host: give one like {EXAMPLE}")
    return url.set(drivername="postgresql+psycopg2", database=url.database or "postgres")


def _refusal(url: URL, error: Exception) -> str:
    """Classify a failed connection into one line naming the fix."""
    message = str(getattr(error, "orig", error)).strip()
    lowered = message.lower()
    where = f"{url.host or url.query.get('host')}:{url.port or 5432}"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"the server at {where} refused the password of role {url.username!r}: fix the password in --db-url"
    if "does not exist" in lowered and "role" in lowered:
        return f"role {url.username!r} does not exist on {where}: name an existing role in --db-url"
    if "does not exist" in lowered and "database" in lowered:
        return f"database {url.database!r} does not exist on {where}: name an existing one, e.g. postgres"
    if "timeout expired" in lowered:
        return f"no answer from {where} within {CONNECT_TIMEOUT} s: check host and port in --db-url"
    if "connection refused" in lowered or "could not translate host name" in lowered or "no route" in lowered:
        return f"cannot reach {where} ({message.splitlines()[0]}): check host and port in --db-url"
    if "authentication" in lowered or "pg_hba" in lowered:
        return f"the server at {where} refused role {url.username!r} ({message.splitlines()[0]}): fix the role"
    first_line = message.splitlines()[0] if message else type(error).__name__
    return f"{where} did not answer as a PostgreSQL server ({first_line}): check that --db-url names PostgreSQL"


@contextmanager
def serve_url(url_text: str) -> Iterator[ServerHandle]:
    url = parse_server_url(url_text)
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one().split()[0]
            may_create = connection.execute(
                text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar_one()
    except DBAPIError as error:
        raise ProviderUnavailable(_refusal(url, error)) from None
    finally:
        engine.dispose()
    if not may_create:
        raise ProviderUnavailable(
            f"role {url.username!r} cannot create databases on {url.host}: "
            f"grant it with ALTER ROLE {url.username} CREATEDB, or use another role"
        )
    yield ServerHandle("url", url, version, safe(url))
