"""The url provider and the suite's own database, against real servers: the machine's PostgreSQL
service (127.0.0.1:5432), a private embedded server that checks passwords, MariaDB, and local stand-ins
for servers that hang. Only loopback addresses are ever targets; every role and database made here is
dropped, even when a test fails."""

import asyncio
import json
import os
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from support.database.own_database import (
    as_async_url,
    drop_own_database,
    new_database_name,
    own_database,
    sweep_abandoned_databases,
)
from support.database.server import ProviderUnavailable
from support.database.url import TIMEOUT, parse_server_url, serve_url
from tests.helpers import child_runs, service
from tests.helpers.servers import connected, password_checking_server, throwaway_role
from tests.helpers.service import service_answers
from tests.helpers.stand_ins import silent_server

SERVICE = "postgresql://postgres@127.0.0.1:5432/test"  # as a user would give it
SERVICE_SOCKET = "postgresql://postgres@/test?host=/var/run/postgresql"
SERVICE_PSYCOPG2 = make_url("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")  # the suite names its driver
PASSWORD = "Hunter2-never-shown"  # what no message may show (fixed: it is in test ids, same on every xdist worker)


needs_service = pytest.mark.skipif(not service_answers(), reason="no PostgreSQL service on 127.0.0.1:5432")


def refusal(url: str, **options) -> tuple[str, float]:
    """serve_url's one-line refusal of ``url``, and how long it took."""
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as refused, serve_url(url, **options):
        pass
    message = str(refused.value)
    assert "\n" not in message
    assert PASSWORD not in message
    return message, time.monotonic() - started


def database_names() -> set[str]:
    with connected(SERVICE_PSYCOPG2) as connection:
        return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())


def objects_in(database: str) -> list[tuple]:
    with connected(SERVICE_PSYCOPG2, database) as connection:
        return [tuple(row) for row in connection.execute(text("SELECT oid, relname, relkind FROM pg_class ORDER BY 1"))]


# --- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://me@db.example:5433/app", "postgresql+psycopg2://me@db.example:5433/app"),
        ("postgresql+psycopg2://me@db.example/app", "postgresql+psycopg2://me@db.example/app"),
        ("postgres://me@db.example", "postgresql+psycopg2://me@db.example/postgres"),
        (
            "postgresql://me@/app?host=/var/run/postgresql",
            "postgresql+psycopg2://me@/app?host=%2Fvar%2Frun%2Fpostgresql",
        ),
    ],
)
def test_postgresql_urls_are_read_with_the_psycopg2_driver(url, expected):
    assert parse_server_url(url).render_as_string() == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url at all", "the database URL is malformed"),
        ("", "the database URL is malformed"),
        (f"postgresql://me:{PASSWORD}@db.example:port/app", "the database URL is malformed"),
        ("postgresql://me@db.example:99999/app", "the database URL's port 99999 is out of range"),
        ("oracle://scott@127.0.0.1:1521/orcl", "the database URL names oracle, not PostgreSQL or MySQL/MariaDB"),
        ("postgresql:///postgres", "the database URL names no host"),
        ("postgresql://me@/app?host=a:5432&host=b:5432", "the database URL names several hosts"),
        (
            "postgresql://me@db.example/app?options=-csearch_path%3Dx",
            "the database URL's parameter 'options' cannot be passed on",
        ),
    ],
)
def test_a_malformed_or_foreign_url_is_refused_before_connecting(url, problem):
    with pytest.raises(ProviderUnavailable) as refused:
        parse_server_url(url)
    message = str(refused.value)
    assert message.startswith(problem)
    assert "\n" not in message
    assert PASSWORD not in message
    if "parameter" not in problem:
        assert message.endswith(": give a URL like postgresql://user@host:5432/postgres")


# --- the service: success, and the suite's own database ----------------------------------------------


@needs_service
def test_the_suite_works_only_in_its_own_database_and_drops_it():
    objects_before = objects_in("test")
    with serve_url(SERVICE) as handle:
        assert (handle.provider, handle.detail) == ("url", "127.0.0.1:5432 as postgres")
        with connected(SERVICE_PSYCOPG2) as connection:
            assert handle.server_version == connection.execute(text("SHOW server_version")).scalar().split()[0]
        assert handle.admin_url.database == "test"
        with own_database(handle.admin_url, "gw1") as url:
            assert re.fullmatch(r"spec_[0-9a-f]{8}_gw1", url.database)
            assert url.drivername == "postgresql+psycopg2"
            with connected(url) as connection:
                connection.execute(text("CREATE TABLE only_here (id int)"))
            assert url.database in database_names()
    assert url.database not in database_names()  # by name: other runs may come and go on the service meanwhile
    assert objects_in("test") == objects_before


@needs_service
def test_a_connection_left_open_is_ended_before_the_drop():
    with serve_url(SERVICE) as handle, own_database(handle.admin_url) as url:
        lingering = create_engine(url, poolclass=NullPool).connect()
        lingering.execute(text("SELECT 1"))  # in a transaction, holding the database open
        admin = create_engine(handle.admin_url, poolclass=NullPool)
        try:
            drop_own_database(admin, url.database, force=False)  # a plain DROP: only the termination frees it
        finally:
            admin.dispose()
        with pytest.raises(DBAPIError, match="terminat"):
            lingering.execute(text("SELECT 1"))
        lingering.invalidate()
        assert url.database not in database_names()


@needs_service
def test_a_role_that_may_create_databases_is_enough():
    with throwaway_role(SERVICE_PSYCOPG2, f"LOGIN CREATEDB PASSWORD '{PASSWORD}'") as role:
        # the service trusts loopback, so the password is not checked here, only kept out of sight
        url_text = f"postgresql://{role}:{PASSWORD}@127.0.0.1:5432/postgres"
        with serve_url(url_text) as handle, own_database(handle.admin_url, "gw3") as url:
            assert handle.detail == f"127.0.0.1:5432 as {role}"
            for shown in (handle.detail, handle.describe(), repr(handle), repr(url)):
                assert PASSWORD not in shown
            with connected(url) as connection:
                assert connection.execute(text("SELECT current_user, current_database()")).one() == (role, url.database)
        assert url.database not in database_names()


@needs_service
@pytest.mark.parametrize(
    "server",
    [
        pytest.param(SERVICE, id="tcp"),
        pytest.param(
            SERVICE_SOCKET,
            id="unix-socket",
            marks=pytest.mark.skipif(
                not os.path.exists("/var/run/postgresql/.s.PGSQL.5432"), reason="the service has no socket here"
            ),
        ),
    ],
)
def test_the_same_database_is_reached_through_asyncpg(server):
    from sqlalchemy.ext.asyncio import create_async_engine

    async def database_seen(url: URL) -> str:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(text("SELECT current_database()"))).scalar()
        finally:
            await engine.dispose()

    with serve_url(server) as handle, own_database(handle.admin_url) as url:
        async_url = as_async_url(url)
        assert async_url.drivername == "postgresql+asyncpg"
        assert asyncio.run(database_seen(async_url)) == url.database


def test_libpq_parameters_are_carried_over_to_asyncpg_or_refused():
    url = make_url("postgresql+psycopg2://me@/app?host=/run/pg&port=5433&sslmode=require&connect_timeout=4")
    assert dict(as_async_url(url).query) == {"host": "/run/pg", "port": "5433", "ssl": "require"}
    with pytest.raises(ValueError, match="'options' has no asyncpg equivalent"):
        as_async_url(make_url("postgresql+psycopg2://me@db/app?options=-cx%3Dy"))


@pytest.mark.parametrize(
    ("worker", "suffix"), [("main", "main"), ("gw12", "gw12"), ("Worker-3/x", "worker3x"), ("---", "main")]
)
def test_database_names_are_ours_unique_and_plain_identifiers(worker, suffix):
    names = {new_database_name(worker) for _ in range(20)}
    assert len(names) == 20
    for name in names:
        assert re.fullmatch(rf"spec_[0-9a-f]{{8}}_{suffix}", name)
    assert len(new_database_name("w" * 100)) <= 63  # PostgreSQL's identifier limit


@pytest.mark.parametrize("name", ["test", "postgres", "spec_production", "spec_0123abcd_main; DROP TABLE x"])
def test_only_databases_of_our_own_naming_are_ever_dropped(name):
    with pytest.raises(ValueError, match="refusing to drop"):
        drop_own_database(None, name)


@needs_service
def test_a_database_of_our_naming_that_this_process_did_not_create_is_left_alone():
    stranger = new_database_name("other")
    with connected(SERVICE_PSYCOPG2) as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{stranger}"')
        try:
            admin = create_engine(SERVICE_PSYCOPG2, poolclass=NullPool)
            with pytest.raises(ValueError, match="this process did not create it"):
                drop_own_database(admin, stranger)
            admin.dispose()
            assert stranger in database_names()
        finally:
            connection.exec_driver_sql(f'DROP DATABASE "{stranger}"')


# --- refusals ---------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


def test_a_closed_port_is_refused_at_once():
    port = closed_port()
    message, seconds = refusal(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres")
    assert message.startswith(f"cannot reach 127.0.0.1:{port} (")
    assert message.endswith(": check host and port in the URL")
    assert seconds < 1


def test_a_server_that_accepts_and_never_answers_is_refused_within_five_seconds():
    assert TIMEOUT == 5
    with silent_server(socket.AF_INET, ("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        message, seconds = refusal(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres")
    assert message == f"no answer from 127.0.0.1:{port} within 5 s: check host and port in the URL"
    assert seconds < TIMEOUT


def message(kind: bytes, body: bytes) -> bytes:
    """One message of PostgreSQL's wire protocol, from the server."""
    return kind + struct.pack("!i", len(body) + 4) + body


@contextmanager
def server_silent_after_login() -> Iterator[int]:
    """Speaks just enough of PostgreSQL's protocol to let anyone in, then never answers a query."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:  # closed by the test
            return
        accepted.append(connection)
        while True:
            length, code = struct.unpack("!ii", connection.recv(8))
            if code in (80877103, 80877104):  # SSL or GSS encryption requested: not offered
                connection.sendall(b"N")
                continue
            connection.recv(length - 8)
            break
        authentication_ok = message(b"R", struct.pack("!i", 0))
        settings = b"".join(
            message(b"S", f"{name}\0{value}\0".encode())
            for name, value in [("client_encoding", "UTF8"), ("server_version", "15.0"), ("DateStyle", "ISO, MDY")]
        )
        ready_for_query = message(b"Z", b"I")
        connection.sendall(authentication_ok + settings + ready_for_query)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
        thread.join(1)


def test_a_server_that_lets_us_in_and_then_hangs_is_refused_within_the_timeout():
    with server_silent_after_login() as port:
        message, seconds = refusal(f"postgresql://postgres@127.0.0.1:{port}/postgres", timeout=2)
    assert message == f"no answer from 127.0.0.1:{port} within 2 s: check host and port in the URL"
    assert 2 <= seconds < 2.5


@pytest.mark.skipif(not service_answers(port=3306), reason="no MariaDB on 127.0.0.1:3306")
def test_a_server_that_is_not_postgresql_is_named_as_such():
    message, seconds = refusal(f"postgresql://root:{PASSWORD}@127.0.0.1:3306/test")
    assert message == "127.0.0.1:3306 is a MySQL/MariaDB server, not PostgreSQL: write its URL as mysql+pymysql://..."
    assert seconds < TIMEOUT


@needs_service
def test_a_missing_database_is_named():
    message, _ = refusal(f"postgresql://postgres@127.0.0.1:5432/no_such_database?password={PASSWORD}")
    assert message == (
        "database 'no_such_database' does not exist at 127.0.0.1:5432: name an existing one in the URL, e.g. postgres"
    )


@needs_service
def test_a_missing_role_is_named():
    message, _ = refusal(f"postgresql://no_such_role:{PASSWORD}@127.0.0.1:5432/postgres")
    assert message == "role 'no_such_role' does not exist at 127.0.0.1:5432: name an existing role in the URL"


@needs_service
def test_a_role_without_create_database_is_told_how_to_get_it():
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN NOCREATEDB") as role:
        message, _ = refusal(f"postgresql://{role}@127.0.0.1:5432/postgres")
    assert message == (
        f"role '{role}' may not create databases at 127.0.0.1:5432: "
        f"grant it with ALTER ROLE {role} CREATEDB or use another role"
    )


@needs_service
def test_a_database_the_role_may_not_connect_to_is_named():
    with throwaway_role(SERVICE_PSYCOPG2, "LOGIN CREATEDB") as role, connected(SERVICE_PSYCOPG2) as connection:
        closed = new_database_name("closed")  # our own database: the service's are never altered
        connection.exec_driver_sql(f'CREATE DATABASE "{closed}"')
        try:
            connection.exec_driver_sql(f'REVOKE CONNECT ON DATABASE "{closed}" FROM PUBLIC')
            message, _ = refusal(f"postgresql://{role}@127.0.0.1:5432/{closed}")
        finally:
            connection.exec_driver_sql(f'DROP DATABASE "{closed}" WITH (FORCE)')
    assert message == (
        f"role '{role}' may not connect to database '{closed}' at 127.0.0.1:5432: grant it CONNECT, or name another"
    )


def test_an_ipv6_address_is_shown_in_brackets():
    port = closed_port()
    message, _ = refusal(f"postgresql://postgres@[::1]:{port}/postgres")
    assert message.startswith(f"cannot reach [::1]:{port} (")


def test_a_wrong_or_missing_password_is_named_and_never_shown():
    with (
        password_checking_server() as admin_url,
        throwaway_role(admin_url, f"LOGIN CREATEDB PASSWORD '{PASSWORD}'") as role,
    ):
        with_password = admin_url.set(username=role, password=PASSWORD).render_as_string(hide_password=False)
        wrong = admin_url.set(username=role, password="not-" + PASSWORD).render_as_string(hide_password=False)
        without = admin_url.set(username=role).render_as_string(hide_password=False)
        message, _ = refusal(wrong)
        where = f"{admin_url.query['host']}:5432"
        assert message == f"the server at {where} refused the password of role '{role}': fix the password in the URL"
        assert "not-" + PASSWORD not in message
        message, _ = refusal(without)
        assert (
            message
            == f"role '{role}' needs a password at {where}: put it in the URL (postgresql://{role}:PASSWORD@...)"
        )
        with serve_url(with_password) as handle:
            assert handle.detail == f"{where} as {role}"


@needs_service
def test_the_savepoint_family_leaks_only_into_its_own_database_and_leaves_nothing_behind(tmp_path):
    """The leak scenarios commit rows for real; they must land in the run's own database, dropped at the end."""
    objects_before = objects_in("test")
    results = tmp_path / "results.json"
    with child_runs.start_run("steps/test_savepoint_rollback.py", "-q", "-p", "no:randomly", "--db=url",
                        f"--db-url={SERVICE}", f"--spec-results={results}") as family:  # fmt: skip
        output, _ = family.communicate(timeout=300)
    assert family.returncode == 0, output[-3000:]
    leaking = [s for s in json.loads(results.read_text())["scenarios"] if "leaked" in json.dumps(s["steps"])]
    assert leaking, "the family ran no scenario that leaks"
    assert not service.databases_marked_by(family.pid)  # its own database, found by its owner mark, is gone
    assert objects_in("test") == objects_before


@needs_service
def test_bookkeeping_that_cannot_be_written_never_stops_the_run(tmp_path):
    """The pending entries are a safety net for a kill at one moment; without a place for them the run goes on."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with serve_url(SERVICE) as handle:
        admin = create_engine(handle.admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            assert isinstance(sweep_abandoned_databases(admin, blocked / "pending"), list)
        finally:
            admin.dispose()
        with own_database(handle.admin_url, "gw5", blocked / "pending") as url:
            assert url.database in database_names()
    assert url.database not in database_names()
    assert blocked.read_text() == ""
