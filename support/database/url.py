"""The url provider: an existing PostgreSQL server, given by URL (or a MySQL/MariaDB one: support.database.mysql.url).

The URL's own database is only ever connected to, to create and later drop the suite's own database
beside it. Every refusal is one line naming the fix, given within the timeout; no output shows a password.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from support import scratch

from .mysql import own_database as mysql_own_database
from .mysql import server as mysql_server
from .mysql import url as mysql_url
from .own_database import SYNC_DRIVER, URL_PARAMETERS, own_database
from .server import Provider, ProviderUnavailable, ServerHandle, ServerSettings
from .url_checks import checked, refuse_unusable_port_or_parameter, swept

TIMEOUT = 5.0  # seconds for the whole check, however many addresses a host name has
EXAMPLE = "postgresql://user@host:5432/postgres"
GIVE_ONE = f"give a URL like {EXAMPLE}"
POSTGRESQL_SCHEMES = {"postgresql", "postgres"}

# libpq's words for "nothing there to talk to"
UNREACHABLE = (
    "connection refused",
    "could not translate host name",
    "no route to host",
    "network is unreachable",
    "cannot assign requested address",
    "no such file or directory",  # a unix socket that is not there
)


def parse_server_url(url_text: str) -> URL:
    """The URL with the psycopg2 driver named (database ``postgres`` if none); refuses what is not a PostgreSQL URL."""
    try:
        url = make_url(url_text.strip())
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ProviderUnavailable(f"the database URL is malformed: {GIVE_ONE}") from None
    backend = url.drivername.split("+", 1)[0]
    if backend not in POSTGRESQL_SCHEMES:
        raise ProviderUnavailable(f"the database URL names {backend}, not PostgreSQL or MySQL/MariaDB: {GIVE_ONE}")
    hosts = url.query.get("host") or url.host
    if not hosts:
        raise ProviderUnavailable(f"the database URL names no host: {GIVE_ONE}")
    if isinstance(hosts, tuple) or "," in hosts:
        raise ProviderUnavailable(f"the database URL names several hosts, the suite needs one: {GIVE_ONE}")
    refuse_unusable_port_or_parameter(url, URL_PARAMETERS, "cannot be passed on to asyncpg too", GIVE_ONE)
    return url.set(drivername=SYNC_DRIVER, database=url.database or "postgres")


def where(url: URL) -> str:
    """``host:port`` (or the socket directory and port) of a parsed URL: never its password."""
    host, port = url.host or url.query.get("host"), url.port or url.query.get("port") or 5432
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _identifier(name: str) -> str:
    """``name`` as SQL would need it written."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else '"' + name.replace('"', '""') + '"'


def _inspect(url: URL, connect_timeout: int) -> tuple[str, str, str, bool]:
    """(version(), server_version, current_user, may create databases) of the server behind ``url``."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": connect_timeout})
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT version(), current_setting('server_version'), current_user, "
                    "(SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user)"
                )
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1].split()[0], row[2], bool(row[3])


def _refusal(url: URL, error: Exception, timeout: float) -> str:
    """A failed connection, as one line naming the fix."""
    message = " ".join(str(getattr(error, "orig", error)).split()) or type(error).__name__
    lowered = message.lower()
    at, role = where(url), url.username or getpass.getuser()  # libpq's default role: the login name
    if "password authentication failed" in lowered:
        return f"the server at {at} refused the password of role {role!r}: fix the password in the URL"
    if "no password supplied" in lowered:
        return f"role {role!r} needs a password at {at}: put it in the URL (postgresql://{role}:PASSWORD@...)"
    if 'role "' in lowered and "does not exist" in lowered:
        return f"role {role!r} does not exist at {at}: name an existing role in the URL"
    if 'database "' in lowered and "does not exist" in lowered:
        return f"database {url.database!r} does not exist at {at}: name an existing one in the URL, e.g. postgres"
    if "timeout expired" in lowered:
        return f"no answer from {at} within {timeout:g} s: check host and port in the URL"
    if any(sign in lowered for sign in UNREACHABLE):
        return f"cannot reach {at} ({message}): check host and port in the URL"
    if "permission denied for database" in lowered:
        return f"role {role!r} may not connect to database {url.database!r} at {at}: grant it CONNECT, or name another"
    if "pg_hba.conf" in lowered or "not permitted to log in" in lowered:
        return f"the server at {at} refused role {role!r} ({message}): allow it there, or use another role"
    if "does not support ssl" in lowered:  # libpq: "server does not support SSL, but SSL was required"
        return (
            f"the server at {at} does not accept SSL, but the URL asks for it (sslmode={url.query.get('sslmode')}): "
            "drop sslmode from the URL, or enable SSL on the server"
        )
    if "fatal:" in lowered:  # PostgreSQL's own refusal, of a kind not named above
        return f"the server at {at} refused the connection ({message}): fix the URL or the server"
    host = url.host or url.query.get("host")
    if host and not host.startswith("/") and mysql_server.greets_as_mysql(host, url.port or 5432):
        return f"{at} is a MySQL/MariaDB server, not PostgreSQL: write its URL as mysql+pymysql://..."
    return f"{at} did not answer as a PostgreSQL server ({message}): check that the URL names a PostgreSQL server"


@contextmanager
def serve_url(url_text: str, timeout: float = TIMEOUT) -> Iterator[ServerHandle]:
    """The server named by ``url_text``, once it is known to answer, to be PostgreSQL and to let the role
    create databases; ProviderUnavailable within ``timeout`` seconds otherwise."""
    if _names_mysql(url_text):
        with mysql_url.serve_url(url_text, timeout) as handle:
            yield handle
        return
    url = parse_server_url(url_text)
    connect_timeout = max(2, int(timeout) - 1)  # libpq's own limit, in whole seconds (1 would mean 2)
    version_text, version, role, may_create = checked(
        url_text,
        where(url),
        timeout,
        lambda: _inspect(url, connect_timeout),
        lambda error: _refusal(url, error, timeout),
    )
    if not version_text.startswith("PostgreSQL"):
        product = version_text.split(" ", 1)[0]
        raise ProviderUnavailable(
            f"{where(url)} speaks PostgreSQL's protocol but is {product}: check that the URL names a PostgreSQL server"
        )
    if not may_create:
        raise ProviderUnavailable(
            f"role {role!r} may not create databases at {where(url)}: "
            f"grant it with ALTER ROLE {_identifier(role)} CREATEDB or use another role"
        )
    yield ServerHandle("url", url, version, f"{where(url)} as {role}", swept=swept(url))


def _names_mysql(url_text: str) -> bool:
    try:
        return mysql_own_database.is_mysql(make_url(url_text.strip()))
    except (ArgumentError, ValueError):
        return False  # parse_server_url says what is wrong with it


def _own_database_with_pending_entry(admin_url: URL, worker: str) -> AbstractContextManager[URL]:
    """The suite's own database (on PostgreSQL or MySQL/MariaDB, by the URL): a url server outlives the run, so a
    pending entry covers the moment before the database carries its owner mark."""
    return own_database(admin_url, worker, scratch.pending_databases())


def _lacking(settings: ServerSettings) -> str | None:
    return None if settings.url else f"--db=url needs a server: pass --db-url={EXAMPLE}"


PROVIDER = Provider(
    name="url",
    serve=lambda settings: serve_url(settings.url),
    meant_by=lambda settings: bool(settings.url),
    lacking=_lacking,
    own_database=_own_database_with_pending_entry,
)
