"""SQLite as a provider (``--db=sqlite``): a file database per run and per pytest-xdist worker, no server.

The "server" is a directory of the run under the scratch root (``<root>/sqlite/run-<pid>-<random>``, marked with its
owner, swept once its owner has died, removed at the end); the suite's own database is a file in it,
``spec_<8 hex>_<worker>.db``, deleted when the run ends. pysqlite (the standard ``sqlite3`` module) is the sync
driver, aiosqlite the async one. An SQLite build that lacks what the specification uses is refused in one line.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import URL

from support import scratch

from .own_database import new_database_name
from .server import Provider, ProviderUnavailable, ServerHandle, ServerSettings

NAME = "sqlite"
SYNC_DRIVER = "sqlite+pysqlite"
ASYNC_DRIVER = "sqlite+aiosqlite"
# What the specification uses of SQLite, by the release that brought it: (release, what, the SQLAlchemy lines that
# need it). The newest release the run's SQLAlchemy needs is the oldest SQLite it accepts.
NEEDS = (
    ((3, 6, 8), "SAVEPOINT (the savepoint features)", "1.4"),
    ((3, 6, 19), "enforced foreign keys (PRAGMA foreign_keys: cascades' deleting_a_parent)", "1.4"),
    ((3, 7, 0), "WAL journal mode (request_boundary's stale reads)", "1.4"),
    # SQLAlchemy's SQLite dialect warns at each create_engine() on an older one, a warning the scenarios
    # that check which warnings a step raised could meet
    ((3, 7, 16), "right-nested joins, without SQLAlchemy's warning at each create_engine()", "1.4"),
    # its dialect uses RETURNING since 2.0 when SQLite has it: bulk_statements_and_the_identity_map shows it
    ((3, 35, 0), "RETURNING (bulk UPDATE's synchronize_session fetch)", "2.0"),
)
FIX = "use a Python built with a newer SQLite (python.org and distribution builds have one), or --db=embedded"


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def minimum(sqlalchemy_version: str = sqlalchemy.__version__) -> tuple[tuple[int, ...], str]:
    """The oldest SQLite the specification runs on with this SQLAlchemy, and what of it needs that release."""
    line = _numbers(sqlalchemy_version)[:2]
    return max((release, what) for release, what, since in NEEDS if line >= _numbers(since))


def lacking_feature(
    version: str = sqlite3.sqlite_version, sqlalchemy_version: str = sqlalchemy.__version__
) -> str | None:
    """Why this Python's SQLite cannot run the specification, in one line naming the fix; None when it can."""
    needed, what = minimum(sqlalchemy_version)
    if _numbers(version) < needed:
        line = ".".join(map(str, _numbers(sqlalchemy_version)[:2]))
        return (
            f"SQLite {version} is older than {'.'.join(map(str, needed))}, which the specification needs on "
            f"SQLAlchemy {line} for {what}: {FIX}"
        )
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        enforced = connection.execute("PRAGMA foreign_keys").fetchone()
    finally:
        connection.close()
    if enforced != (1,):  # a build with SQLITE_OMIT_FOREIGN_KEY answers no row
        return f"SQLite {version} was built without foreign key enforcement (SQLITE_OMIT_FOREIGN_KEY): {FIX}"
    return None


def runs_root() -> Path:
    return scratch.prepared_root() / "sqlite"


@contextmanager
def serve(settings: ServerSettings) -> Iterator[ServerHandle]:
    lacking = lacking_feature()
    if lacking:
        raise ProviderUnavailable(lacking)
    try:
        scratch.sweep_dead_owners(runs_root())  # files of killed runs
        directory = scratch.make_owned_directory(runs_root())
    except (OSError, scratch.ScratchRootRefused) as error:
        raise ProviderUnavailable(f"no directory for SQLite's files: {error}") from None
    try:
        yield ServerHandle(
            NAME,
            URL.create(SYNC_DRIVER, database=str(directory)),
            sqlite3.sqlite_version,
            f"file databases in {directory}",
            dialect=NAME,
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def own_database(admin_url: URL, worker: str = "main") -> Iterator[URL]:
    """A new database file in the run's directory for the block (a pysqlite URL); deleted at its end."""
    path = Path(admin_url.database) / f"{new_database_name(worker)}.db"
    try:
        yield URL.create(SYNC_DRIVER, database=str(path))
    finally:
        for leftover in (path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def as_async_url(url: URL) -> URL:
    return url.set(drivername=ASYNC_DRIVER)


PROVIDER = Provider(NAME, serve, own_database=own_database)  # never auto's choice: only --db=sqlite takes it
