"""The url provider against real servers: the machine's PostgreSQL service, MariaDB, and local stand-ins
for a server that hangs or refuses a password (only loopback addresses are used)."""

import socket
import struct
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from support.database.own_database import drop_own_database, new_database_name, own_database
from support.database.server import ProviderUnavailable
from support.database.url import parse_server_url, serve_url
from tests.stand_ins import silent_server

SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"  # as a user would give it
SERVICE_PSYCOPG2 = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"  # 2.1 reads a bare URL as psycopg 3


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


needs_service = pytest.mark.skipif(not answers(5432), reason="no PostgreSQL service on 127.0.0.1:5432")


def refusal(url: str) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as refused, serve_url(url):
        pass
    message = str(refused.value)
    assert "\n" not in message
    return message, time.monotonic() - started


def catalog_snapshot(url: str) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT relname, relkind FROM pg_class ORDER BY 1, 2")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


@needs_service
def test_the_suite_works_only_in_its_own_database_and_drops_it():
    before = catalog_snapshot(SERVICE_PSYCOPG2)
    with serve_url(SERVICE) as handle, own_database(handle.admin_url, "gw1") as url:
        assert url.database.startswith("spec_")
        assert url.database.endswith("_gw1")
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE only_here (id int)"))
        lingering = engine.connect()  # a connection left open must not block the drop
        lingering.execute(text("SELECT 1"))
    assert catalog_snapshot(SERVICE_PSYCOPG2) == before
    engine = create_engine(SERVICE_PSYCOPG2, poolclass=NullPool)
    with engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).scalar()
            == 0
        )
    engine.dispose()


def test_only_databases_of_our_own_naming_are_ever_dropped():
    assert new_database_name("gw12").startswith("spec_")
    with pytest.raises(ValueError, match="refusing to drop 'test'"):
        drop_own_database(None, "test")
    with pytest.raises(ValueError, match="refusing to drop"):
        drop_own_database(None, "spec_production")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "--db-url is not a database URL"),
        ("mysql://root@127.0.0.1:3306/test", "names a mysql server, not PostgreSQL"),
        ("postgresql:///postgres", "--db-url has no host"),
    ],
)
def test_a_malformed_or_foreign_url_is_refused_before_connecting(url, message):
    with pytest.raises(ProviderUnavailable, match=message):
        parse_server_url(url)


def test_the_driver_is_always_psycopg2():
    assert parse_server_url("postgres://me@db.example/postgres").drivername == "postgresql+psycopg2"


def test_a_closed_port_is_refused_quickly():
    message, seconds = refusal("postgresql://postgres@127.0.0.1:1/postgres")
    assert "cannot reach 127.0.0.1:1" in message
    assert seconds < 5


def test_a_hanging_server_is_refused_within_five_seconds():
    with silent_server(socket.AF_INET, ("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        message, seconds = refusal(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    assert f"no answer from 127.0.0.1:{port}" in message
    assert seconds < 5


@contextmanager
def password_refusing_server():
    """Speaks just enough of the PostgreSQL protocol to ask for a password and reject it (28P01)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve_one():
        connection, _ = server.accept()
        with connection:
            while True:
                length, code = struct.unpack("!ii", connection.recv(8))
                if code in (80877103, 80877104):  # SSL or GSS encryption request: not offered
                    connection.sendall(b"N")
                    continue
                connection.recv(length - 8)
                break
            connection.sendall(b"R" + struct.pack("!ii", 8, 3))  # cleartext password, please
            connection.recv(1024)
            fields = b'SFATAL\0C28P01\0Mpassword authentication failed for user "postgres"\0\0'
            connection.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_a_wrong_password_is_named_and_never_shown():
    with password_refusing_server() as port:
        message, _ = refusal(f"postgresql://postgres:Hunter2-secret@127.0.0.1:{port}/postgres")
    assert "refused the password of role 'postgres'" in message
    assert "Hunter2-secret" not in message


@needs_service
def test_a_missing_database_is_named():
    message, _ = refusal("postgresql://postgres@127.0.0.1:5432/no_such_database_here")
    assert "database 'no_such_database_here' does not exist" in message


@needs_service
def test_a_role_without_create_database_is_told_how_to_get_it():
    role = new_database_name("role")
    admin = create_engine(SERVICE_PSYCOPG2, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    try:
        message, _ = refusal(f"postgresql://{role}@127.0.0.1:5432/postgres")
        assert f"ALTER ROLE {role} CREATEDB" in message
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


@pytest.mark.skipif(not answers(3306), reason="no MariaDB on 127.0.0.1:3306")
def test_a_server_that_is_not_postgresql_is_named_as_such():
    message, seconds = refusal("postgresql://root@127.0.0.1:3306/test")
    assert "did not answer as a PostgreSQL server" in message
    assert seconds < 5
