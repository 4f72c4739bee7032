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


@pytest.mark.parametrize("version", ["3.6.18", "3.5.9"])
def test_an_sqlite_too_old_for_the_specification_is_refused_in_one_line(version):
    assert sqlite.lacking_feature(version) == (
        f"SQLite {version} is older than 3.6.19, which the specification needs: use a Python built with a newer "
        "SQLite (python.org and distribution builds have one), or --db=embedded"
    )


def test_this_pythons_sqlite_is_accepted():
    assert sqlite.lacking_feature() is None


def test_serve_refuses_an_sqlite_that_lacks_a_feature(monkeypatch):
    monkeypatch.setattr(sqlite, "lacking_feature", lambda: "SQLite 3.5.9 is older than 3.6.19, ...")
    with pytest.raises(ProviderUnavailable, match=r"older than 3\.6\.19"), sqlite.serve(ServerSettings()):
        pass
