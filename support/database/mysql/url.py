"""The url provider's MySQL/MariaDB half: a server named by a ``mysql+pymysql://`` or ``mariadb+pymysql://`` URL.

As for PostgreSQL, the URL's own database is never written to: the suite makes its own ``spec_*`` database beside
it, drops it at the end, and sweeps those killed runs of this host left. Every refusal is one line naming the fix,
given within the timeout; no output shows a password.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from support import scratch, secrets
from support.database.server import ProviderUnavailable, ServerHandle

from .own_database import BACKENDS, DEFAULT_PORT, admin_engine, own_database, sweep_abandoned_databases, sync_url
from .server import ServerFacts, greets_as_mysql, inspect, unfit

EXAMPLE = "mysql+pymysql://user@host:3306/"
GIVE_ONE = f"give a URL like {EXAMPLE}"
URL_PARAMETERS = ("unix_socket", "charset")  # what PyMySQL and aiomysql both take


def parse_server_url(url_text: str) -> URL:
    """The URL with PyMySQL named; refuses what is not a MySQL/MariaDB URL the suite can use."""
    try:
        url = make_url(url_text.strip())
    except (ArgumentError, ValueError):
        raise ProviderUnavailable(f"the database URL is malformed: {GIVE_ONE}") from None
    if url.get_backend_name() not in BACKENDS:
        raise ProviderUnavailable(f"the database URL names {url.get_backend_name()}, not MySQL/MariaDB: {GIVE_ONE}")
    if not (url.host or url.query.get("unix_socket")):
        raise ProviderUnavailable(f"the database URL names no host: {GIVE_ONE}")
    if url.port is not None and not 0 < url.port < 65536:
        raise ProviderUnavailable(f"the database URL's port {url.port} is out of range: {GIVE_ONE}")
    unknown = sorted(set(url.query) - set(URL_PARAMETERS))
    if unknown:
        raise ProviderUnavailable(
            f"the database URL's parameter {unknown[0]!r} is not passed on to the suite's drivers: remove it "
            f"({', '.join(URL_PARAMETERS)} are understood)"
        )
    return sync_url(url)


def scheme_problem(backend: str, facts: ServerFacts, at: str) -> str | None:
    """A ``mariadb://`` URL to a MySQL server (SQLAlchemy's mariadb dialect refuses one); ``mysql://`` takes both."""
    if backend == "mariadb" and facts.product != "MariaDB":
        return f"the URL says mariadb but {at} is {facts.product} {facts.version}: write mysql+pymysql:// for it"
    return None


def where(url: URL) -> str:
    socket = url.query.get("unix_socket")
    return socket if socket and not url.host else f"{url.host}:{url.port or DEFAULT_PORT}"


def _refusal(url: URL, error: Exception) -> str:
    """A failed connection, as one line naming the fix."""
    message = " ".join(str(getattr(error, "orig", error)).split()) or type(error).__name__
    lowered = message.lower()
    at, user = where(url), url.username or getpass.getuser()
    if "access denied" in lowered:
        return f"the server at {at} refused user {user!r} ({message}): fix the user or password in the URL"
    if "unknown database" in lowered:
        return f"database {url.database!r} does not exist at {at}: name an existing one in the URL, or none"
    if url.host and greets_as_mysql(url.host, url.port or DEFAULT_PORT) is False:
        return (
            f"{at} is not a MySQL/MariaDB server (it waits for its client to speak first, as PostgreSQL does): "
            "check the URL's scheme and port"
        )
    if "can't connect" in lowered or "timed out" in lowered or "lost connection" in lowered:
        return f"cannot reach {at} ({message}): check host and port in the URL"
    return f"{at} did not answer as a MySQL/MariaDB server ({message}): check that the URL names one"


@contextmanager
def serve_url(url_text: str, timeout: float) -> Iterator[ServerHandle]:
    """The server named by ``url_text``, once it answers, is of the kind its scheme says and can run the
    specification; ProviderUnavailable in one line otherwise."""
    from support.database.url import within

    url = parse_server_url(url_text).update_query_dict({"connect_timeout": str(max(2, int(timeout) - 1))})
    url = url.update_query_dict({"read_timeout": str(max(2, int(timeout) - 1))})
    try:
        facts = within(timeout, lambda: inspect(url))
    except TimeoutError:
        raise ProviderUnavailable(
            f"no answer from {where(url)} within {timeout:g} s: check host and port in the URL"
        ) from None
    except Exception as error:  # DBAPIError mostly
        secrets.add_from_url(url_text)
        raise ProviderUnavailable(secrets.mask(_refusal(url, error))) from None
    url = url.difference_update_query(["connect_timeout", "read_timeout"])
    problem = scheme_problem(url.get_backend_name(), facts, where(url)) or unfit(facts, where(url))
    if problem:
        raise ProviderUnavailable(problem)
    yield ServerHandle(
        "url", url, facts.short_version, f"{where(url)} as {facts.user}", swept=_swept(url), dialect="mysql"
    )


def _swept(url: URL) -> tuple[str, ...]:
    """Drop the databases that killed runs of this host left here; their names."""
    admin = admin_engine(url)
    try:
        return tuple(sweep_abandoned_databases(admin, scratch.pending_databases()))
    except DBAPIError:  # the run can go on without its sweep; the next one tries again
        return ()
    finally:
        admin.dispose()


def own_database_with_pending_entry(admin_url: URL, worker: str) -> AbstractContextManager[URL]:
    return own_database(admin_url, worker, scratch.pending_databases())
