"""The url provider's MySQL/MariaDB half: a server named by a ``mysql+pymysql://`` or ``mariadb+pymysql://`` URL.

As for PostgreSQL, the URL's own database is never written to: the suite makes its own ``spec_*`` database beside
it, drops it at the end, and sweeps those killed runs of this host left. Every refusal is one line naming the fix,
given within the timeout; no output shows a password.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from support.database.server import ProviderUnavailable, ServerHandle
from support.database.url_checks import checked, refuse_unusable_port_or_parameter, swept

from .own_database import BACKENDS, DEFAULT_PORT, sync_url
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
    refuse_unusable_port_or_parameter(url, URL_PARAMETERS, "is not passed on to the suite's drivers", GIVE_ONE)
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
    url = parse_server_url(url_text).update_query_dict({"connect_timeout": str(max(2, int(timeout) - 1))})
    url = url.update_query_dict({"read_timeout": str(max(2, int(timeout) - 1))})
    facts = checked(url_text, where(url), timeout, lambda: inspect(url), lambda error: _refusal(url, error))
    url = url.difference_update_query(["connect_timeout", "read_timeout"])
    problem = scheme_problem(url.get_backend_name(), facts, where(url)) or unfit(facts, where(url))
    if problem:
        raise ProviderUnavailable(problem)
    yield ServerHandle(
        "url", url, facts.short_version, f"{where(url)} as {facts.user}", swept=swept(url), dialect="mysql"
    )
