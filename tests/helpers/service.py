"""The machine's own PostgreSQL service, when it runs: whether it answers, and the databases runs made in it."""

from __future__ import annotations

import socket

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.helpers.from_support import PREFIX, owner_of_mark, this_host

SERVICE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def service_answers(url_host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        socket.create_connection((url_host, port), timeout=2).close()
        return True
    except OSError:
        return False


def service_rows(sql: str, parameters: dict | None = None, service_url: str = SERVICE_URL) -> list[tuple]:
    """The rows of one query on the service, over a connection of its own."""
    engine = create_engine(service_url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), parameters or {})]
    finally:
        engine.dispose()


def spec_databases(service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that are named like the suite's own."""
    like_ours = {"prefix": PREFIX.replace("_", r"\_") + "%"}
    return {name for (name,) in service_rows("SELECT datname FROM pg_database WHERE datname LIKE :prefix", like_ours,
                                             service_url)}  # fmt: skip


def databases_owned_by(role: str, service_url: str = SERVICE_URL) -> set[str]:
    """Names of the databases on the service that ``role`` owns (what a run as that role could have created)."""
    sql = "SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = :role"
    return {name for (name,) in service_rows(sql, {"role": role}, service_url)}


def databases_marked_by(pid: int, service_url: str = SERVICE_URL) -> set[str]:
    """The service's databases whose owner mark names process ``pid`` of this host."""
    rows = service_rows("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database", None, service_url)
    owners = {name: owner_of_mark(comment) for name, comment in rows}
    return {name for name, owner in owners.items() if owner and owner.pid == pid and owner.host == this_host()}
