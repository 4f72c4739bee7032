"""The sync driver as a dimension (support.drivers, support.flavours): the URL each driver connects with, the runs a
tagged feature gets on each line, and where the driver is named (results, grid, header)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from support import drivers, versions
from support.evidence import FeatureFacts, RunFacts, ScenarioFacts, ScenarioRecord
from support.report.model import title_of

SOCKET_URL = make_url("postgresql+psycopg2://spec@/spec_0123abcd_main?host=/run/spec/socket")


def test_each_sync_driver_keeps_the_database_and_the_socket_directory():
    for driver, dialect in drivers.DIALECTS.items():
        url = drivers.sync_url(SOCKET_URL, driver)
        assert url.drivername == dialect
        assert (url.database, url.query) == ("spec_0123abcd_main", {"host": "/run/spec/socket"})


@pytest.mark.skipif(not versions.applies(drivers.PSYCOPG_LINES), reason="no psycopg 3 dialect before SQLAlchemy 2.0")
def test_a_psycopg_engine_really_connects_through_psycopg_3(spec_server):
    import psycopg

    engine = create_engine(drivers.sync_url(spec_server.admin_url, "psycopg"), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert isinstance(connection.connection.dbapi_connection, psycopg.Connection)
    finally:
        engine.dispose()


def test_the_header_names_the_drivers_this_line_runs_on(pytestconfig):
    header = "; ".join(RunFacts.of(pytestconfig).lines())
    assert "drivers: psycopg2 " in header
    assert ", asyncpg " in header
    assert (", psycopg 3." in header) is versions.applies(drivers.PSYCOPG_LINES)


def _record(nodeid: str, tags: list[str], driver: str) -> ScenarioRecord:
    feature = FeatureFacts("A feature", "area/a.feature", "", tags)
    return ScenarioRecord(nodeid, feature=feature, scenario=ScenarioFacts("A read", 3, "", [], []), driver=driver)


def test_the_grid_names_the_driver_only_in_features_run_on_every_sync_driver():
    every = ["request_boundary", drivers.MARKER]
    assert title_of(_record("t.py::test_a_read[psycopg]", every, "psycopg")) == "A read (psycopg)"
    assert title_of(_record("t.py::test_a_read[sync-x]", every, "psycopg2")) == "A read (sync, psycopg2)"
    assert title_of(_record("t.py::test_a_read[async-x]", every, "asyncpg")) == "A read (async, asyncpg)"
    assert title_of(_record("t.py::test_a_read[sync-x]", ["savepoint_rollback"], "psycopg2")) == "A read (sync)"


def test_a_results_file_without_drivers_still_reads():
    """Results written before the driver was recorded: the record's driver is None."""
    assert ScenarioRecord.from_json({"nodeid": "t.py::test_a_read"}).driver is None
