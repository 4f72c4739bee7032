"""The sweep of databases left by killed runs, on the machine's PostgreSQL service: it drops only databases
named like ours, carrying our owner mark (or a pending entry of ours), whose owner is a process of this host
that has provably ended. Every database made here is dropped at the end, whatever the sweep did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from support.database.own_database import (
    drop_abandoned_database,
    new_database_name,
    own_database,
    server_key,
    sweep_abandoned_databases,
)
from support.scratch import Owner, this_host
from tests.helpers.refusals import a_dead_owner
from tests.helpers.service import SERVICE_URL, service_answers

pytestmark = pytest.mark.skipif(not service_answers(), reason=f"no PostgreSQL service at {SERVICE_URL}")

ADMIN_URL = make_url(SERVICE_URL).set(drivername="postgresql+psycopg2")


@pytest.fixture
def admin():
    engine = create_engine(ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@contextmanager
def hand_made_database(admin, comment: str | None) -> Iterator[str]:
    """A database named like ours, made by hand with this comment; dropped afterwards if still there."""
    name = new_database_name("sweeptest")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        if comment is not None:
            connection.execute(text(f'COMMENT ON DATABASE "{name}" IS :comment'), {"comment": comment})
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def exists(admin, name: str) -> bool:
    with admin.connect() as connection:
        return connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None


def test_a_database_whose_owner_ended_is_swept_and_named(admin, tmp_path):
    with hand_made_database(admin, a_dead_owner().mark()) as abandoned:
        assert abandoned in sweep_abandoned_databases(admin, tmp_path)
        assert not exists(admin, abandoned)


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param(None, id="no-mark"),
        pytest.param("made by hand for a demo", id="foreign-comment"),
        pytest.param(Owner.current().mark(), id="live-owner"),
        pytest.param(Owner(f"elsewhere/{this_host()}", 1, 1.0).mark(), id="another-host"),
        pytest.param(a_dead_owner().mark().replace(" pid ", " pid: "), id="damaged-mark-of-a-dead-owner"),
    ],
)
def test_a_database_not_provably_abandoned_is_never_touched(admin, tmp_path, comment):
    with hand_made_database(admin, comment) as kept:
        assert kept not in sweep_abandoned_databases(admin, tmp_path)
        assert exists(admin, kept)
        with pytest.raises(ValueError, match=f"refusing to sweep '{kept}'"):
            drop_abandoned_database(admin, kept, tmp_path)
        assert exists(admin, kept)


def test_a_database_made_before_its_mark_is_swept_by_its_pending_entry(admin, tmp_path):
    """A run killed between CREATE DATABASE and its COMMENT leaves an unmarked database and a pending entry."""
    dead, alive = a_dead_owner(), Owner.current()
    with hand_made_database(admin, None) as orphan, hand_made_database(admin, None) as being_made:
        (tmp_path / orphan).write_text(f"{server_key(ADMIN_URL)}\n{dead.mark()}\n")
        (tmp_path / being_made).write_text(f"{server_key(ADMIN_URL)}\n{alive.mark()}\n")
        assert orphan in sweep_abandoned_databases(admin, tmp_path)
        assert not exists(admin, orphan)
        assert not (tmp_path / orphan).exists()  # the entry goes with its database
        assert exists(admin, being_made)  # its maker is alive: about to mark it
        assert (tmp_path / being_made).exists()


def test_the_suites_own_database_carries_its_mark_and_survives_another_sweep(admin, tmp_path):
    with own_database(ADMIN_URL, "gw9", tmp_path) as url:
        with admin.connect() as connection:
            comment = connection.execute(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                {"n": url.database},
            ).scalar()
        assert comment == Owner.current().mark()
        assert not list(tmp_path.iterdir())  # the pending entry lasts only until the mark is written
        assert url.database not in sweep_abandoned_databases(admin, tmp_path)
        with suppress(ValueError), pytest.raises(ValueError, match="this process created it"):
            drop_abandoned_database(admin, url.database, tmp_path)
        assert exists(admin, url.database)
    assert not exists(admin, url.database)
