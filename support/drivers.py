"""The sync driver as a dimension: the drivers, their URLs, and which one a scenario used.

A feature tagged ``@every_sync_driver`` runs each scenario once per sync driver: psycopg2 (the one all three lines
share, and every other feature's) and psycopg 3 (``postgresql+psycopg``, which a bare ``postgresql://`` URL means
since 2.1). psycopg 3 has a dialect only since SQLAlchemy 2.0: on 1.4 its runs are not applicable. In a feature that
also runs once per flavour, the async flavour runs on asyncpg alone, so the runs are (sync, psycopg2),
(sync, psycopg) and async; the psycopg2 runs keep their node ids (``[sync-...]``), the psycopg ones add ``psycopg``.

The ``sync_driver`` fixture (support.flavours, which also runs the tagged scenarios once per driver) names the
scenario's driver; the ``sessions`` fixture's engines connect through it.

On SQLite (``--db=sqlite``) every sync run is on pysqlite and every async one on aiosqlite, on MySQL/MariaDB on
PyMySQL and aiomysql: the psycopg runs are not applicable there, and the psycopg2 runs keep their node ids, so that
each row of the grid is one scenario on every database.
"""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from sqlalchemy.engine import URL

from support import versions

MARKER = "every_sync_driver"
DIALECTS = {"psycopg2": "postgresql+psycopg2", "psycopg": "postgresql+psycopg"}  # driver -> drivername of a URL
DEFAULT = "psycopg2"
ASYNC = "asyncpg"  # the async flavour's driver
SQLITE = {"sync": "pysqlite", "async": "aiosqlite"}  # the drivers of every run on SQLite
SQLITE_MODULES = {"pysqlite": "sqlite3", "aiosqlite": "aiosqlite"}  # where their versions are
MYSQL = {"sync": "pymysql", "async": "aiomysql"}  # the drivers of every run on MySQL/MariaDB
MYSQL_MODULES = {"pymysql": "pymysql", "aiomysql": "aiomysql"}
PSYCOPG_LINES = SpecifierSet(">=2.0")  # SQLAlchemy's postgresql+psycopg dialect is new in 2.0
PSYCOPG_NOT_APPLICABLE = (
    f"{versions.NOT_APPLICABLE}: psycopg 3 (postgresql+psycopg) has a dialect since SQLAlchemy 2.0 only, "
    f"this run has {versions.running_version()}"
)


def psycopg_not_on(dialect: str) -> str:
    from support.databases import NAMES

    return f"{versions.NOT_APPLICABLE}: psycopg 3 is a PostgreSQL driver, this run is on {NAMES[dialect]}"


def sync_url(url: URL, driver: str) -> URL:
    """The same database through ``driver``; a unix-socket URL keeps its ``host`` directory (both libpq). An SQLite
    URL stays as it is: pysqlite is its only sync driver."""
    if url.get_backend_name() in ("sqlite", "mysql", "mariadb"):
        return url
    return url.set(drivername=DIALECTS[driver])


def runs_on_this_line(driver: str) -> bool:
    return driver != "psycopg" or versions.applies(PSYCOPG_LINES)


def used_sync_drivers() -> list[str]:
    """The sync drivers this SQLAlchemy can run scenarios on."""
    return [driver for driver in DIALECTS if runs_on_this_line(driver)]


def used_drivers(dialect: str) -> dict[str, str]:
    """The drivers a run on ``dialect`` uses, each with the module its version is read from."""
    if dialect == "sqlite":
        return SQLITE_MODULES
    if dialect == "mysql":
        return MYSQL_MODULES
    return {name: name for name in [*used_sync_drivers(), ASYNC]}


def driver_of(item: pytest.Item, dialect: str = "postgresql") -> str:
    """The driver the scenario's own engines used: the async flavour's, or its sync driver."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    if dialect in ("sqlite", "mysql"):
        return (SQLITE if dialect == "sqlite" else MYSQL)["async" if params.get("flavour") == "async" else "sync"]
    return ASYNC if params.get("flavour") == "async" else params.get("sync_driver", DEFAULT)


def marks_of(driver: str, dialect: str = "postgresql") -> tuple:
    """psycopg 3's runs are not applicable before 2.0, nor on another database than PostgreSQL."""
    if driver == "psycopg" and dialect != "postgresql":
        return (pytest.mark.skip(reason=psycopg_not_on(dialect)),)
    return () if runs_on_this_line(driver) else (pytest.mark.skip(reason=PSYCOPG_NOT_APPLICABLE),)
