"""The suite's own database, made before the first scenario: a server that cannot hold it is refused once, in one
line naming the cause and the fix, instead of failing every scenario that needs it.

The plugin calls ``first_database`` once the run is collected (and only when a scenario will run): it checks that
the server has the connection slots the run will hold at once, then creates the database and its schema for the
run. The controller of pytest-xdist workers calls it at its start as a trial (made and dropped at once), since each
worker makes its own. What still fails later (a worker's database, a session-scoped fixture) is reported once by
the plugin, and the scenarios after it as not run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.database.harness import SpecDatabase, prepared_database
from support.database.mysql.own_database import admin_engine, is_mysql
from support.database.own_database import as_async_url
from support.database.registry import own_database_in
from support.database.server import ProviderUnavailable, ServerHandle
from support.scratch import data_root

# The most connections one pytest process holds at once: 10 seen over a whole run (the janitor, the observer, a
# scenario's sessions, pools and threads), and a margin.
SLOTS_PER_PROCESS = 12

FREE_SLOTS = """
SELECT current_setting('max_connections')::int
       - CASE WHEN r.rolsuper THEN 0 ELSE current_setting('superuser_reserved_connections')::int
              + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0) END
       - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') + 1,
       CASE WHEN r.rolconnlimit < 0 THEN NULL
            ELSE r.rolconnlimit - (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user) + 1 END
FROM pg_roles r WHERE r.rolname = current_user
"""


@contextmanager
def first_database(server: ServerHandle, worker: str, processes: int, keep: bool) -> Iterator[SpecDatabase | None]:
    """The run's own database for the block (None when not ``keep``: made and dropped at once, as a trial);
    ProviderUnavailable, in one line, when the server cannot hold the run."""
    if server.dialect != "sqlite":  # SQLite has no connection slots
        _refuse_without_slots(server, processes)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(own_database_in(server, worker))
            database = stack.enter_context(prepared_database(url, as_async_url(url)))
            if not keep:
                stack.close()  # the trial's drop, whose failure is the server's too
        except (DBAPIError, OSError) as error:
            raise ProviderUnavailable(creation_problem(error, server)) from None
        yield database if keep else None


def _refuse_without_slots(server: ServerHandle, processes: int) -> None:
    needed = SLOTS_PER_PROCESS * processes
    try:
        server_free, role_free = _free_slots(server.admin_url)
    except DBAPIError as error:
        raise ProviderUnavailable(creation_problem(error, server)) from None
    at, role = _named(server), server.admin_url.username
    per_process = f"{needed} ({SLOTS_PER_PROCESS} per pytest process)" if processes > 1 else str(needed)
    role_limit = "max_user_connections" if server.dialect == "mysql" else "CONNECTION LIMIT"
    if role_free is not None and role_free < needed:
        raise ProviderUnavailable(
            f"role {role!r} at {_where(server)} may open {max(role_free, 0)} more connection(s), the run holds up to "
            f"{per_process} at once: raise its {role_limit}, or end its other sessions"
        )
    if server_free < needed:
        raise ProviderUnavailable(
            f"{at} has {max(server_free, 0)} free connection slot(s), the run holds up to {per_process} at once: "
            "raise max_connections, or end other sessions"
        )


def _free_slots(admin_url: URL) -> tuple[int, int | None]:
    """Connections the server, and the role, may still open (None: the role has no limit of its own)."""
    if is_mysql(admin_url):
        return _mysql_free_slots(admin_url)
    engine = create_engine(admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            server_free, role_free = connection.execute(text(FREE_SLOTS)).one()
    finally:
        engine.dispose()
    return server_free, role_free


MYSQL_FREE_SLOTS = """
SELECT @@max_connections, @@max_user_connections,
       (SELECT COUNT(*) FROM information_schema.processlist),
       (SELECT COUNT(*) FROM information_schema.processlist WHERE user = SUBSTRING_INDEX(USER(), '@', 1))
"""


def _mysql_free_slots(admin_url: URL) -> tuple[int, int | None]:
    """MySQL/MariaDB's: ``max_connections`` less the connections there are, and the global ``max_user_connections``
    (0: no limit) less the user's."""
    engine = admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            server_limit, user_limit, connected, mine = connection.execute(text(MYSQL_FREE_SLOTS)).one()
    finally:
        engine.dispose()
    # this connection is about to end; a SUPER user's extra slot is left out (the run's users need not be SUPER)
    return server_limit - connected + 1, (user_limit - mine + 1) if user_limit else None


def creation_problem(error: BaseException, server: ServerHandle) -> str:
    """Why the suite's own database could not be made or reached, as one line naming the fix."""
    original = getattr(error, "orig", error)
    text_of_error = str(original).strip()  # PostgreSQL's first line; a HINT or DETAIL follows on lines of its own
    message = " ".join(text_of_error.splitlines()[0].split()) if text_of_error else type(original).__name__
    code = getattr(original, "pgcode", None) or getattr(original, "sqlstate", None) or ""
    lowered = message.lower()
    at, role = _named(server), server.admin_url.username or "..."
    if code == "25006" or "read-only transaction" in lowered:
        return (
            f"{at} runs every transaction read-only ({message}): the suite must create a database; use a primary "
            f"server and a role whose default_transaction_read_only is off (ALTER ROLE {role} RESET "
            "default_transaction_read_only)"
        )
    if code == "53100" or "no space left" in lowered:
        room = (
            f"free space under {data_root()}, or set SPEC_PG_DATA_ROOT to a directory with room"
            if server.provider == "embedded"
            else "free space on the server's disk"
        )
        return f"{at} has no room for the suite's database ({message}): {room}"
    if "access denied" in lowered and server.dialect == "mysql":
        return (
            f"{at} refused {role!r} a database of its own ({message}): GRANT ALL ON `spec\\_%`.* TO it, "
            "or use another user"
        )
    if code == "53300" or "too many connections" in lowered or "connection slots are reserved" in lowered:
        return (
            f"{at} has no free connection slot ({message}): raise max_connections or the role's CONNECTION LIMIT, "
            "or end other sessions"
        )
    return f"{at} could not make the suite's database ({message}): fix what that names, or use another server"


def _named(server: ServerHandle) -> str:
    """``the url PostgreSQL 15.2 at host:5432 as role``, ``the embedded PostgreSQL 18.6``."""
    from support.databases import NAMES

    where = f" at {server.detail}" if server.provider == "url" else ""
    return f"the {server.provider} {NAMES[server.dialect]} {server.server_version}{where}"


def _where(server: ServerHandle) -> str:
    """``host:port`` of a url server, else ``the embedded server``."""
    return server.detail.split(" as ", 1)[0] if server.provider == "url" else f"the {server.provider} server"
