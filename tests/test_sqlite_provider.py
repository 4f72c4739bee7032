"""The SQLite provider (--db=sqlite): a directory of the run under the scratch root, a database file per worker,
both gone at the end; an SQLite build too old for the specification refused in one line."""

import os
import sqlite3

import pytest

from support.database import sqlite
from support.database.choice import choose
from support.database.registry import own_database_in
from support.database.server import ProviderUnavailable, ServerSettings


def test_sqlite_is_chosen_by_name_only():
    assert choose("sqlite", None, None, environ={}).provider == "sqlite"
    assert choose(None, None, None, environ={"SPEC_DB": "sqlite"}).provider == "sqlite"
    assert choose(None, None, None, environ={}).provider != "sqlite"  # auto picks a PostgreSQL


def test_the_run_directory_and_each_database_file_are_removed_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(tmp_path))
    with sqlite.serve(ServerSettings()) as server:
        directory = server.admin_url.database
        assert (server.provider, server.dialect) == ("sqlite", "sqlite")
        assert server.describe() == f"SQLite {sqlite3.sqlite_version} (file databases in {directory})"
        with own_database_in(server, "gw1") as url:
            assert url.drivername == "sqlite+pysqlite"
            assert url.database.startswith(directory)
            assert url.database.endswith("_gw1.db")
            sqlite3.connect(url.database).execute("CREATE TABLE t (x)").connection.close()
        assert not any(path.endswith(".db") for path in os.listdir(directory))
    assert not os.path.exists(directory)


FIX = "use a Python built with a newer SQLite (python.org and distribution builds have one), or --db=embedded"


@pytest.mark.parametrize(
    ("version", "sqlalchemy_version", "needed", "what"),
    [
        # 2.0 and later: their SQLite dialect sends RETURNING when SQLite has it, and the features show it sent
        ("3.34.1", "2.0.44", "3.35.0", "RETURNING (bulk UPDATE's synchronize_session fetch)"),
        ("3.31.1", "2.1.0b2", "3.35.0", "RETURNING (bulk UPDATE's synchronize_session fetch)"),
        ("3.7.17", "2.0.0", "3.35.0", "RETURNING (bulk UPDATE's synchronize_session fetch)"),
        # 1.4 sends no RETURNING on SQLite: what it needs is older
        ("3.7.15", "1.4.54", "3.7.16", "right-nested joins, without SQLAlchemy's warning at each create_engine()"),
        ("3.6.18", "1.4.54", "3.7.16", "right-nested joins, without SQLAlchemy's warning at each create_engine()"),
    ],
)
def test_an_sqlite_too_old_for_the_specification_on_its_line_is_refused_in_one_line(
    version, sqlalchemy_version, needed, what
):
    line = ".".join(sqlalchemy_version.split(".")[:2])
    assert sqlite.lacking_feature(version, sqlalchemy_version) == (
        f"SQLite {version} is older than {needed}, which the specification needs on SQLAlchemy {line} for {what}: {FIX}"
    )


@pytest.mark.parametrize(("version", "sqlalchemy_version"), [("3.35.0", "2.0.0"), ("3.34.1", "1.4.54")])
def test_the_oldest_sqlite_each_line_needs_is_accepted(version, sqlalchemy_version):
    assert sqlite.lacking_feature(version, sqlalchemy_version) is None


def test_every_need_is_of_a_line_the_specification_runs():
    assert {since for _, _, since in sqlite.NEEDS} <= {"1.4", "2.0", "2.1"}
    assert sqlite.minimum("2.1.9") == sqlite.minimum("2.0.0") == ((3, 35, 0), sqlite.NEEDS[-1][1])


def test_this_pythons_sqlite_is_accepted():
    assert sqlite.lacking_feature() is None


def test_serve_refuses_an_sqlite_that_lacks_a_feature(monkeypatch):
    monkeypatch.setattr(sqlite, "lacking_feature", lambda: "SQLite 3.34.1 is older than 3.35.0, ...")
    with pytest.raises(ProviderUnavailable, match=r"older than 3\.35\.0"), sqlite.serve(ServerSettings()):
        pass
