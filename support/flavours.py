"""A scenario's flavour, sync or async, and for async the event loop and AsyncEngine it runs on (fixtures); its sync
driver, and for a feature tagged @every_sync_driver one run per driver (support.drivers)."""

import asyncio

import pytest

from support import drivers
from support.evidence import SERVER
from support.sql_log import SqlLog
from support.sqlite_engines import SqliteSettings, configure


@pytest.fixture
def flavour() -> str:
    """sync, unless the scenario's module runs its scenarios once per flavour."""
    return "sync"


@pytest.fixture
def event_loop_runner():
    """One event loop for the whole scenario: the AsyncEngine and every coroutine of the scenario run on it."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def async_engine(event_loop_runner: asyncio.Runner, database, sql_log: SqlLog, sqlite_settings: SqliteSettings):
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database.async_url)
    configure(engine.sync_engine, sqlite_settings)
    with sql_log.watching(engine):
        yield engine
    event_loop_runner.run(engine.dispose())


@pytest.fixture(autouse=True)
def sync_driver() -> str:
    """The sync driver of the scenario's engines: psycopg2, unless the feature runs on every sync driver."""
    return drivers.DEFAULT


@pytest.hookimpl(tryfirst=True)  # before the fixtures' own parametrization, which then leaves flavour to this mark
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker(drivers.MARKER) is None:
        return
    server = metafunc.config.stash.get(SERVER, None)
    dialect = server.dialect if server else "postgresql"
    if "flavour" in metafunc.fixturenames and metafunc._arg2fixturedefs["flavour"][-1].params:  # once per flavour
        runs = [
            pytest.param("sync", driver, id=_sync_id(driver), marks=drivers.marks_of(driver, dialect))
            for driver in drivers.DIALECTS
        ]
        runs.append(pytest.param("async", drivers.DEFAULT, id="async"))  # on asyncpg: no sync engine to vary
        parametrized = pytest.mark.parametrize(("flavour", "sync_driver"), runs, indirect=["flavour"])
    else:
        runs = [pytest.param(driver, id=driver, marks=drivers.marks_of(driver, dialect)) for driver in drivers.DIALECTS]
        parametrized = pytest.mark.parametrize("sync_driver", runs)
    metafunc.definition.add_marker(parametrized, append=False)  # first: node ids begin [sync-..., as they always did


def _sync_id(driver: str) -> str:
    """The psycopg2 runs keep the id they had before the driver was a dimension."""
    return "sync" if driver == drivers.DEFAULT else f"sync-{driver}"
