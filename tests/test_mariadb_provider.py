"""MySQL/MariaDB as the third database: the ``mariadb`` provider (a private MariaDB from the machine's binaries), the
url provider's MySQL half against the machine's MariaDB service (127.0.0.1:3306), the sweep of killed runs'
databases and server directories, and the one-line refusals of bad input. Every database made here is dropped, and
the service's own databases (``test``) are never written to."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from support import scratch
from support.database.choice import choose
from support.database.mysql import binaries
from support.database.mysql.own_database import MARK_TABLE, admin_engine
from support.database.mysql.provider import serve_mariadb, server_processes, sweep_stale_runs
from support.database.mysql.server import ServerFacts, unfit
from support.database.mysql.url import parse_server_url, scheme_problem
from support.database.own_database import drop_abandoned_database, new_database_name, sweep_abandoned_databases
from support.database.registry import own_database_in
from support.database.server import ProviderUnavailable
from support.database.url import serve_url
from support.scratch import Owner
from tests.helpers.refusals import a_dead_owner, one_line, refusals_off_the_main_thread
from tests.helpers.service import service_answers

SERVICE = "mysql+pymysql://root@127.0.0.1:3306/test"  # the machine's MariaDB service, as a user would give it
PASSWORD = "Hunter2-never-shown"


def binaries_installed() -> bool:
    try:
        binaries.find(None)
    except ProviderUnavailable:
        return False
    return True


needs_service = pytest.mark.skipif(not service_answers(port=3306), reason="no MariaDB service on 127.0.0.1:3306")
needs_binaries = pytest.mark.skipif(not binaries_installed(), reason="no MariaDB server binaries (mariadb-server)")


def service_rows(sql: str, database: str = "test") -> list[tuple]:
    engine = create_engine(make_url(SERVICE).set(database=database), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


# --- choosing it ---------------------------------------------------------------------------------------


def test_mariadb_is_chosen_by_name_or_by_its_binaries():
    assert choose("mariadb", None, None, environ={}).provider == "mariadb"
    assert choose(None, None, None, environ={"SPEC_DB": "mariadb"}).provider == "mariadb"
    by_binaries = choose(None, None, None, environ={}, mariadb_bin="/opt/mariadb/bin")
    assert (by_binaries.provider, by_binaries.settings.mariadb_bin) == ("mariadb", Path("/opt/mariadb/bin"))
    assert choose(None, None, None, environ={"SPEC_MARIADB_BIN": "/opt/m/bin"}).provider == "mariadb"
    assert choose(None, "mysql+pymysql://root@127.0.0.1:3306/", None, environ={}).provider == "url"
    assert choose(None, None, None, environ={}).provider != "mariadb"  # auto picks a PostgreSQL


# --- bad input, one line each ---------------------------------------------------------------------------


def test_binaries_that_are_not_there_are_refused_naming_the_flag_and_the_package(tmp_path):
    with pytest.raises(ProviderUnavailable) as refused:
        binaries.find(tmp_path)
    assert one_line(refused, PASSWORD) == (
        f"no MariaDB server binaries (mariadbd) in {tmp_path}: point --mariadb-bin at the directory holding "
        "mariadbd, or install Debian's mariadb-server package (apt-get install mariadb-server)"
    )


def test_without_binaries_on_path_or_in_usr_sbin_the_package_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(binaries, "DEFAULT_PLACES", ())
    with pytest.raises(ProviderUnavailable) as refused:
        binaries.find(None)
    assert one_line(refused, PASSWORD) == (
        "no MariaDB server binaries (mariadbd) on PATH or in /usr/sbin: install Debian's mariadb-server package "
        "(apt-get install mariadb-server), or point --mariadb-bin at a directory holding mariadbd"
    )


def stand_in_binaries(directory: Path, version_line: str) -> Path:
    """A directory whose mariadbd answers --version with ``version_line`` (and an installer beside it)."""
    directory.mkdir()
    for name, script in (("mariadbd", f"echo '{version_line}'"), ("mariadb-install-db", "exit 1")):
        (directory / name).write_text(f"#!/bin/sh\n{script}\n")
        (directory / name).chmod(0o755)
    return directory


@pytest.mark.parametrize(
    ("version_line", "problem"),
    [
        (
            "mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)",
            "is MySQL 8.0.36, and --db=mariadb starts MariaDB: install Debian's mariadb-server package",
        ),
        (
            "mysqld  Ver 10.3.39-MariaDB-0+deb10u2 for debian-linux-gnu on x86_64 (Debian 10)",
            "is MariaDB 10.3.39-MariaDB-0+deb10u2, older than 10.4, the oldest the specification runs on",
        ),
    ],
    ids=["mysql", "too-old"],
)
def test_a_server_binary_of_another_kind_or_too_old_is_refused(tmp_path, version_line, problem):
    directory = stand_in_binaries(tmp_path / "bin", version_line)
    with pytest.raises(ProviderUnavailable) as refused:
        binaries.find(directory)
    assert one_line(refused, PASSWORD).startswith(f"{directory / 'mariadbd'} {problem}")


@pytest.mark.parametrize(
    ("facts", "problem"),
    [
        (
            ServerFacts("MariaDB", "10.3.39-MariaDB", "root@localhost", "DEFAULT"),
            "MariaDB 10.3.39-MariaDB at db:3306 is older than MariaDB 10.4, the oldest the specification runs on: "
            "upgrade it, or name another server",
        ),
        (
            ServerFacts("MySQL", "5.7.44", "root@localhost", "DEFAULT"),
            "MySQL 5.7.44 at db:3306 is older than MySQL 8.0, the oldest the specification runs on: upgrade it, or "
            "name another server",
        ),
        (
            ServerFacts("MariaDB", "10.11.19-MariaDB", "root@localhost", "DISABLED"),
            "MariaDB 10.11.19-MariaDB at db:3306 has no InnoDB (support: DISABLED), whose transactions, savepoints "
            "and foreign keys the specification describes: enable InnoDB, or name another server",
        ),
        (ServerFacts("MariaDB", "10.11.19-MariaDB", "root@localhost", "DEFAULT"), None),
        (ServerFacts("MySQL", "8.0.36", "root@localhost", "YES"), None),
    ],
    ids=["old-mariadb", "old-mysql", "no-innodb", "mariadb", "mysql"],
)
def test_a_server_too_old_or_without_innodb_is_refused_in_one_line(facts, problem):
    assert unfit(facts, "db:3306") == problem


def test_a_mariadb_url_to_a_mysql_server_is_refused_and_a_mysql_url_takes_either():
    mysql = ServerFacts("MySQL", "8.0.36", "root@%", "DEFAULT")
    mariadb = ServerFacts("MariaDB", "10.11.19-MariaDB", "root@%", "DEFAULT")
    assert scheme_problem("mariadb", mysql, "db:3306") == (
        "the URL says mariadb but db:3306 is MySQL 8.0.36: write mysql+pymysql:// for it"
    )
    assert scheme_problem("mariadb", mariadb, "db:3306") is None
    assert scheme_problem("mysql", mariadb, "db:3306") is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql+pymysql:///test", "the database URL names no host: give a URL like mysql+pymysql://user@host:3306/"),
        ("mysql://root@db:99999/", "the database URL's port 99999 is out of range"),
        ("mysql://root@db/?ssl_ca=/x", "the database URL's parameter 'ssl_ca' is not passed on to the suite's drivers"),
    ],
)
def test_a_malformed_mysql_url_is_refused_before_connecting(url, problem):
    with pytest.raises(ProviderUnavailable) as refused:
        parse_server_url(url)
    assert one_line(refused, PASSWORD).startswith(problem)


def test_mysql_urls_are_read_with_pymysql_keeping_their_backend():
    assert parse_server_url("mysql://root@db:3306/").drivername == "mysql+pymysql"
    assert parse_server_url("mariadb+mysqldb://root@db/").drivername == "mariadb+pymysql"


@pytest.mark.skipif(not service_answers(), reason="no PostgreSQL service on 127.0.0.1:5432")
def test_a_mysql_url_to_a_postgresql_server_is_named_as_such():
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as refused, serve_url("mysql+pymysql://root@127.0.0.1:5432/", timeout=3):
        pass
    assert one_line(refused, PASSWORD) == (
        "127.0.0.1:5432 is not a MySQL/MariaDB server (it waits for its client to speak first, as PostgreSQL does): "
        "check the URL's scheme and port"
    )
    assert time.monotonic() - started < 5


@needs_service
def test_a_wrong_password_is_named_without_showing_it():
    with pytest.raises(ProviderUnavailable) as refused, serve_url(f"mysql+pymysql://root:{PASSWORD}@127.0.0.1:3306/"):
        pass
    assert one_line(refused, PASSWORD).startswith("the server at 127.0.0.1:3306 refused user 'root' (")


# --- the url provider on the machine's MariaDB service ----------------------------------------------------


def spec_databases() -> set[str]:
    return {name for (name,) in service_rows("SELECT schema_name FROM information_schema.schemata") if "spec_" in name}


@needs_service
def test_the_url_run_makes_its_own_marked_database_never_writes_to_test_and_drops_it():
    tables_of_test = service_rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'test'")
    before = spec_databases()
    with serve_url(SERVICE) as handle:
        assert (handle.provider, handle.dialect, handle.admin_url.database) == ("url", "mysql", "test")
        assert handle.server_version.endswith("-MariaDB")
        with own_database_in(handle, "gw2") as url:
            assert url.drivername == "mysql+pymysql"
            assert url.database.startswith("spec_")
            assert url.database.endswith("_gw2")
            assert url.database in spec_databases() - before
            (mark,) = service_rows(f"SELECT mark FROM {MARK_TABLE}", url.database)[0]
            assert scratch.owner_of_mark(mark) == Owner.current()
            engine = create_engine(url, poolclass=NullPool)
            left_open = engine.connect()  # a transaction left open (its metadata locks) does not stop the drop
            left_open.execute(text("CREATE TABLE t (x INT)"))
            left_open.execute(text("INSERT INTO t VALUES (1)"))
            made = url.database
    engine.dispose()
    assert made not in spec_databases()
    assert service_rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'test'") == (
        tables_of_test
    )


@contextmanager
def hand_made_database(mark: str | None) -> Iterator[str]:
    """A database named like ours, made by hand with this owner mark; dropped afterwards if still there."""
    name = new_database_name("sweeptest")
    admin = admin_engine(make_url(SERVICE))
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
        if mark is not None:
            connection.exec_driver_sql(f"CREATE TABLE `{name}`.{MARK_TABLE} (mark VARCHAR(255) NOT NULL)")
            connection.execute(text(f"INSERT INTO `{name}`.{MARK_TABLE} VALUES (:mark)"), {"mark": mark})
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@needs_service
def test_a_killed_runs_database_is_swept_at_the_next_url_start_and_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(tmp_path))
    with hand_made_database(a_dead_owner().mark()) as abandoned:
        with serve_url(SERVICE) as handle:
            assert abandoned in handle.swept
        assert abandoned not in spec_databases()


@pytest.mark.parametrize("mark", [None, "someone else's words", "live"], ids=["no mark", "not our mark", "live owner"])
@needs_service
def test_a_database_not_provably_abandoned_is_never_swept(mark):
    mark = Owner.current().mark() if mark == "live" else mark
    with hand_made_database(mark) as kept:
        admin = admin_engine(make_url(SERVICE))
        try:
            assert kept not in sweep_abandoned_databases(admin)
            with pytest.raises(ValueError, match="refusing to sweep"):
                drop_abandoned_database(admin, kept)
        finally:
            admin.dispose()
        assert kept in spec_databases()


@needs_service
def test_a_database_not_named_like_ours_is_never_dropped():
    admin = admin_engine(make_url(SERVICE))
    try:
        with pytest.raises(ValueError, match="only databases named spec_<8 hex>_<worker> are ours"):
            drop_abandoned_database(admin, "test")
    finally:
        admin.dispose()
    assert ("test",) in service_rows("SELECT schema_name FROM information_schema.schemata")


# --- the private MariaDB ---------------------------------------------------------------------------------


@pytest.fixture
def private_root(monkeypatch):
    """A data root of this test's own (the server's account may enter it); removed after."""
    beside = scratch.data_root().parent
    beside.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="spec-m-", dir=beside))
    base.chmod(0o755)
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(base))
    yield base / scratch.PRODUCT_DIR
    for process in psutil.process_iter():
        try:
            if str(base) in " ".join(process.cmdline()):
                process.kill()
        except psutil.Error:
            pass
    shutil.rmtree(base, ignore_errors=True)


@needs_binaries
def test_the_private_mariadb_is_unprivileged_socket_only_throwaway_and_its_data_directory_cached(private_root):
    with serve_mariadb() as handle:
        (server,) = server_processes(handle)
        run_dir = Path(handle.admin_url.query["unix_socket"]).parent.parent
        assert (handle.provider, handle.dialect) == ("mariadb", "mysql")
        assert run_dir.parent == private_root / "mariadb"
        assert stat.S_IMODE(run_dir.stat().st_mode) == 0o711
        assert not [c for c in server.net_connections("inet") if c.status == psutil.CONN_LISTEN]  # no TCP port
        if os.geteuid() == 0:
            assert server.uids().real != 0
        with own_database_in(handle, "main") as url:
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                isolation, engine_name = connection.exec_driver_sql(
                    "SELECT @@tx_isolation, @@default_storage_engine"
                ).one()
            engine.dispose()
            assert (isolation, engine_name) == ("REPEATABLE-READ", "InnoDB")
        assert "new data directory" in handle.detail
    assert not server.is_running()
    assert not run_dir.exists()
    with serve_mariadb() as again:
        assert "cached data directory" in again.detail


OWNER = textwrap.dedent("""
    import time
    from support.database.mysql.provider import serve_mariadb, server_processes
    with serve_mariadb() as handle:
        print(server_processes(handle)[0].pid, handle.admin_url.query["unix_socket"], flush=True)
        time.sleep(60)
""")


@needs_binaries
def test_the_private_mariadb_dies_with_a_killed_owner_and_its_directory_is_swept(private_root):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        pid, socket_path = owner.stdout.readline().split()
        server = psutil.Process(int(pid))
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        server.wait(10)  # the parent-death signal
        run_dir = Path(socket_path).parent.parent
        assert run_dir.exists()
        assert sweep_stale_runs(private_root / "mariadb") == [run_dir]
        assert not run_dir.exists()
    finally:
        owner.kill()
        owner.wait()


@needs_binaries
def test_the_private_mariadb_must_be_started_from_the_main_thread():
    assert refusals_off_the_main_thread(serve_mariadb, ProviderUnavailable) == [
        "start the private MariaDB from the main thread, so it dies with the process"
    ]


@needs_binaries
def test_a_server_with_fewer_free_connections_than_a_run_holds_is_refused_once_in_one_line(private_root):
    from support.database.preflight import first_database

    with serve_mariadb() as handle:
        admin = admin_engine(handle.admin_url)
        with admin.connect() as connection:
            connection.exec_driver_sql("SET GLOBAL max_connections = 10")
        admin.dispose()
        with pytest.raises(ProviderUnavailable) as refused, first_database(handle, "main", 1, keep=False):
            pass
    assert one_line(refused, PASSWORD) == (
        f"the mariadb MySQL/MariaDB {handle.server_version} has 10 free connection slot(s), the run holds up to 12 at "
        "once: raise max_connections, or end other sessions"
    )
