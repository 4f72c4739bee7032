"""The ``mariadb-container`` provider (testcontainers' MySqlContainer with MariaDB's image): chosen by name only,
refused in one line where no Docker engine answers (these machines have none; a stand-in engine that answers its API
over a unix socket, as tests/test_container_provider.py uses, covers an engine that cannot pull or start the image),
and the part it shares with the other MySQL/MariaDB providers, the server's facts and the suite's own marked database,
run against the machine's real MariaDB started by ``--db=mariadb``. The real container start is left to a lane where
Docker exists (SPEC_REQUIRE_DOCKER=1 there makes it fail rather than skip)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from support import scratch
from support.database.choice import DatabaseChoice, choose, serve
from support.database.container import docker_unavailable_reason
from support.database.mysql.container import (
    NAME,
    PINNED_IMAGE,
    admin_url_of,
    serve_mariadb_container,
    server_handle,
)
from support.database.mysql.own_database import MARK_TABLE, admin_engine
from support.database.mysql.provider import serve_mariadb
from support.database.registry import AUTO_TRIES, PROBED, own_database_in
from support.database.server import ProviderUnavailable
from support.scratch import Owner
from tests.helpers.stand_ins import stand_in_engine
from tests.test_mariadb_provider import needs_binaries

ROOT = Path(__file__).resolve().parent.parent
DOCKER_HERE = docker_unavailable_reason(image=PINNED_IMAGE)  # None where an engine answers
NO_DOCKER_FIX = "or use --db=mariadb"
PASSWORD = "Hunter2-never-shown"


@pytest.fixture
def docker_host(monkeypatch):
    """Points Docker clients at an address of the test's choosing, and nowhere else."""
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    return lambda address: monkeypatch.setenv("DOCKER_HOST", address)


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_the_image_is_mariadb_pinned_to_a_release():
    assert re.fullmatch(r"mariadb:\d+\.\d+\.\d+", PINNED_IMAGE)


# --- choosing it ---------------------------------------------------------------------------------------


def test_it_is_chosen_by_name_only_never_by_auto():
    assert choose(NAME, None, None, environ={}).provider == NAME
    assert choose(None, None, None, environ={"SPEC_DB": "MariaDB-Container"}).provider == NAME
    assert choose(None, None, None, environ={}, mariadb_bin="/opt/mariadb/bin").provider == "mariadb"
    assert NAME not in AUTO_TRIES
    assert NAME not in [provider.name for provider in PROBED]  # auto looks for a PostgreSQL only


# --- refused without Docker, in one line naming the fix ------------------------------------------------


def test_without_an_engine_it_is_refused_naming_the_binaries_provider(docker_host, tmp_path):
    docker_host(f"unix://{tmp_path}/absent.sock")
    expected = f"no Docker engine ({tmp_path}/absent.sock does not exist): start Docker, {NO_DOCKER_FIX}"
    with pytest.raises(ProviderUnavailable) as refused, serve_mariadb_container():
        pass
    assert one_line(refused) == expected
    with pytest.raises(ProviderUnavailable) as through_the_choice, serve(DatabaseChoice(NAME), []):
        pass
    assert one_line(through_the_choice) == expected


def test_a_run_without_docker_stops_at_once_with_one_line():
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "steps/test_cascades.py", "-q", f"--db={NAME}", "-p", "no:randomly"],
        cwd=ROOT,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 4, completed.stdout + completed.stderr  # pytest's usage error
    errors = [line for line in completed.stderr.splitlines() if line.startswith("ERROR: database:")]
    assert errors == [
        f"ERROR: database: no Docker engine (/nonexistent/docker.sock does not exist): start Docker, {NO_DOCKER_FIX}"
    ], completed.stderr


def test_an_image_that_cannot_be_pulled_is_named(docker_host, tmp_path):
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=False, registry="refuses", image=PINNED_IMAGE):
        docker_host(f"unix://{path}")
        with pytest.raises(ProviderUnavailable) as refused, serve_mariadb_container(timeout=10.0):
            pass
    message = one_line(refused)
    assert message.startswith(f"{PINNED_IMAGE} is not present and cannot be pulled (401 Client Error")
    assert message.endswith(f": fix the tag or the registry access, {NO_DOCKER_FIX}")


def test_a_container_that_cannot_start_is_one_line(docker_host, tmp_path, monkeypatch):
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=True, registry="refuses", image=PINNED_IMAGE):
        docker_host(f"unix://{path}")
        with pytest.raises(ProviderUnavailable) as refused, serve_mariadb_container(timeout=10.0):
            pass
    message = one_line(refused)
    assert message.startswith(f"could not start {PINNED_IMAGE} (")
    assert message.endswith(f"): check that docker run {PINNED_IMAGE} works, {NO_DOCKER_FIX}")


# --- what it shares with the other MySQL/MariaDB providers, on the real MariaDB ------------------------


def test_testcontainers_url_is_read_with_pymysql():
    written = f"mysql://root:{PASSWORD}@localhost:32771/mysql"  # MySqlContainer without a dialect
    url = admin_url_of(written)
    assert (url.drivername, url.host, url.port, url.database) == ("mysql+pymysql", "localhost", 32771, "mysql")
    assert admin_url_of("mysql+pymysql://root:x@127.0.0.1:3306/mysql").drivername == "mysql+pymysql"


@needs_binaries
def test_the_started_server_is_checked_and_the_suite_makes_its_own_marked_database_in_it():
    with serve_mariadb() as private:  # the machine's MariaDB, standing in for the container's server
        admin = admin_engine(private.admin_url)
        with admin.connect() as connection:  # a user with a password, as the container's root has one
            connection.exec_driver_sql(f"CREATE USER 'spec'@'localhost' IDENTIFIED BY '{PASSWORD}'")
            connection.exec_driver_sql("GRANT ALL ON `spec\\_%%`.* TO 'spec'@'localhost'")
        handle = server_handle(private.admin_url.set(username="spec", password=PASSWORD), PINNED_IMAGE)
        assert (handle.provider, handle.dialect) == (NAME, "mysql")
        assert handle.server_version.endswith("-MariaDB")
        assert handle.describe().startswith(f"{NAME} MySQL/MariaDB {handle.server_version} (image {PINNED_IMAGE}, ")
        assert handle.describe().endswith(" as spec@localhost)")
        assert PASSWORD not in handle.describe()
        assert "connect_timeout" not in handle.admin_url.query  # only for the first look
        with own_database_in(handle, "gw3") as url:
            assert (url.drivername, url.username) == ("mysql+pymysql", "spec")
            assert re.fullmatch(r"spec_[0-9a-f]{8}_gw3", url.database)
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                mark = connection.execute(text(f"SELECT mark FROM {MARK_TABLE}")).scalar()
            engine.dispose()
            assert scratch.owner_of_mark(mark) == Owner.current()
            made = url.database
        with admin.connect() as connection:
            names = set(connection.execute(text("SELECT schema_name FROM information_schema.schemata")).scalars())
        admin.dispose()
        assert made not in names  # dropped at the end of the block


# --- the real container, where Docker exists -----------------------------------------------------------


@pytest.mark.skipif(
    DOCKER_HERE is not None and os.environ.get("SPEC_REQUIRE_DOCKER") != "1",
    reason=f"no Docker here: {DOCKER_HERE}",
)
def test_a_real_container_serves_mariadb():
    with serve_mariadb_container() as handle:
        assert handle.provider == NAME
        assert handle.server_version == PINNED_IMAGE.split(":")[1] + "-MariaDB"
        assert handle.admin_url.password not in handle.describe()
        with own_database_in(handle, "gw0") as url:
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT DATABASE()")).scalar() == url.database
            engine.dispose()
    engine = create_engine(handle.admin_url.update_query_dict({"connect_timeout": "2"}), poolclass=NullPool)
    with pytest.raises(OperationalError):  # stopped with the block
        engine.connect()
    engine.dispose()
