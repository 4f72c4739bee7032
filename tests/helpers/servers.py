"""Real PostgreSQL servers for tests: connections, throwaway roles, and a private server that checks passwords.

Every role made here is dropped at the end of its block, even when the test fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.helpers.from_support import new_database_name


@contextmanager
def connected(url: URL, database: str | None = None) -> Iterator:
    """An AUTOCOMMIT connection to ``url`` (or to another ``database`` on its server) for the block."""
    engine = create_engine(url.set(database=database or url.database), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def throwaway_role(url: URL, attributes: str) -> Iterator[str]:
    """A new role (``CREATE ROLE name <attributes>``) for the block, dropped afterwards with its sessions."""
    role = new_database_name("role")
    with connected(url) as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" {attributes}')
        try:
            yield role
        finally:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"), {"role": role}
            )
            connection.exec_driver_sql(f'DROP ROLE "{role}"')


@contextmanager
def password_checking_server() -> Iterator[URL]:
    """A private PostgreSQL (the embedded provider's) whose pg_hba.conf asks every role but the superuser for a
    password: the machine's service trusts loopback, so it cannot refuse one. Yields the superuser's URL once
    the server asks."""
    from support.database.embedded.provider import serve_embedded

    with serve_embedded() as server, connected(server.admin_url) as connection:
        hba_file = connection.execute(text("SHOW hba_file")).scalar()
        run_dir = str(make_url(server.admin_url).query["host"]).rsplit("/", 1)[0]
        assert hba_file.startswith(run_dir + "/")  # that server's own throwaway copy, never a shared file
        superuser = server.admin_url.username
        connection.exec_driver_sql(
            f"COPY (VALUES ('local all {superuser} trust'), ('local all all scram-sha-256')) TO '{hba_file}'"
        )
        connection.execute(text("SELECT pg_reload_conf()"))
        _until_passwords_are_asked(server.admin_url)
        yield server.admin_url


def _until_passwords_are_asked(admin_url: URL, seconds: float = 5) -> None:
    """pg_reload_conf() only signals the reload: wait until a role other than the superuser is asked for one."""
    deadline = time.monotonic() + seconds
    stranger = admin_url.set(username="nobody_in_particular")
    while True:
        try:
            create_engine(stranger, poolclass=NullPool).connect().close()
        except OperationalError as refused:
            if "password" in str(refused.orig) or time.monotonic() > deadline:
                return
        time.sleep(0.05)


@contextmanager
def server_with_few_connections(max_connections: int) -> Iterator[URL]:
    """A private PostgreSQL (the embedded provider's) started with this ``max_connections``; yields the
    superuser's URL. The launcher's settings are changed only while that server starts."""
    from support.database.embedded import launcher
    from support.database.embedded.provider import serve_embedded

    usual = launcher.SERVER_SETTINGS["max_connections"]
    launcher.SERVER_SETTINGS["max_connections"] = str(max_connections)
    try:
        with serve_embedded() as server:
            launcher.SERVER_SETTINGS["max_connections"] = usual
            yield server.admin_url
    finally:
        launcher.SERVER_SETTINGS["max_connections"] = usual
