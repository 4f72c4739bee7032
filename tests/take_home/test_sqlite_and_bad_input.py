"""SQLite through pysqlite (the plugin applies SQLAlchemy's SAVEPOINT recipe), and every bad input, one line each."""

import sqlite3
import textwrap

import pytest

from tests.take_home.conftest import assert_one_line

SQLITE_TESTS = """
    import pytest
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.orm import scoped_session, sessionmaker

    from conftest import Base, Note

    ScopedSession = scoped_session(sessionmaker())


    @pytest.fixture(scope="session")
    def engine(tmp_path_factory):
        path = tmp_path_factory.getbasetemp().parent / "notes.db"
        engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()


    @pytest.fixture(scope="module")
    def seeded(rollback_shared_session):
        rollback_shared_session.add(Note(id=1, text="seed"))
        rollback_shared_session.commit()


    def ids(session):
        return session.scalars(select(Note.id).order_by(Note.id)).all()


    def test_rollback_then_commit_and_nested(seeded, rollback_session):
        rollback_session.add(Note(id=2, text="rolled back"))
        rollback_session.flush()
        rollback_session.rollback()
        with rollback_session.begin_nested():
            rollback_session.add(Note(id=3, text="released"))
        rollback_session.commit()
        assert ids(rollback_session) == [1, 3]


    def test_a_scoped_session_of_the_project(seeded, rollback_factories):
        rollback_factories(ScopedSession)
        ScopedSession.add(Note(id=4, text="scoped"))
        ScopedSession.commit()
        assert ids(ScopedSession) == [1, 4]


    def test_only_the_seed(seeded, rollback_session):
        assert ids(rollback_session) == [1]
"""


def test_sqlite_file_database_with_the_recipe(project):
    project.run(SQLITE_TESTS).assert_outcomes(passed=3)
    database = project.pytester.path / "notes.db"
    with sqlite3.connect(database) as other:
        assert other.execute("SELECT count(*) FROM take_home_notes").fetchone() == (0,)


BAD_INPUT = [
    (
        "no engine fixture of the configured name",
        "rollback_engine_fixture = db_engine",
        "def test_it(rollback_session): pass",
        "rollback_session needs a fixture named 'db_engine' returning an Engine: define it in conftest.py, "
        "or set rollback_engine_fixture = <your fixture's name> in the pytest ini",
    ),
    (
        "a session class that is not a Session",
        "rollback_session_class = collections.OrderedDict",
        "def test_it(rollback_session): pass",
        "rollback_session_class: <class 'collections.OrderedDict'> is not a subclass of sqlalchemy.orm.Session: "
        "pass a Session class",
    ),
    (
        "a session class that cannot be imported",
        "rollback_session_class = sqlmodel_missing.Session",
        "def test_it(rollback_session): pass",
        "rollback_session_class: rollback_session_class = sqlmodel_missing.Session cannot be imported "
        "(No module named 'sqlmodel_missing'): name a class such as sqlmodel.Session",
    ),
    (
        "a shared layer on a function-scoped engine",
        "rollback_engine_fixture = function_engine",
        "def test_it(rollback_shared_session): pass",
        "rollback_shared_session has module scope, so the engine fixture 'function_engine' needs module scope "
        'or broader: declare it @pytest.fixture(scope="session")',
    ),
    (
        "an SQLite driver with no SAVEPOINT recipe",
        "rollback_engine_fixture = unknown_sqlite_driver_engine",
        "def test_it(rollback_session): pass",
        "the SQLite driver othersqlite has no SAVEPOINT recipe for rolled-back tests: "
        "use sqlite:/// (pysqlite) or sqlite+aiosqlite:/// in the engine's URL",
    ),
    (
        "no async engine fixture of the configured name",
        "rollback_async_engine_fixture = db_async_engine",
        "import pytest\n@pytest.mark.asyncio\nasync def test_it(async_rollback_session): pass",
        "async_rollback_session needs a fixture named 'db_async_engine' returning an AsyncEngine: define it in "
        "conftest.py, or set rollback_async_engine_fixture = <your fixture's name> in the pytest ini",
    ),
    (
        "an engine fixture that returns something else",
        "rollback_engine_fixture = engine_url",
        "def test_it(rollback_session): pass",
        "the fixture 'engine_url' (rollback_engine_fixture) returned str, not an Engine: "
        "return the engine from it, or name your engine fixture in rollback_engine_fixture",
    ),
    (
        "an async fixture with no async plugin",
        "",
        "def test_it(async_rollback_session): pass",
        "async_rollback_session needs an async test runner: pip install pytest-asyncio and mark the test "
        "@pytest.mark.asyncio, or mark it @pytest.mark.anyio (anyio's plugin)",
    ),
]

BAD_CONFTEST = """
    @pytest.fixture
    def engine_url():
        return "postgresql://somewhere/else"


    @pytest.fixture
    def function_engine(engine):
        return engine


    from sqlalchemy.dialects import registry
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite


    class OtherSQLiteDialect(SQLiteDialect_pysqlite):  # a SQLite driver the plugin knows no recipe for
        driver = "othersqlite"


    registry.register("sqlite.othersqlite", "conftest", "OtherSQLiteDialect")


    @pytest.fixture
    def unknown_sqlite_driver_engine(tmp_path):
        return create_engine(f"sqlite+othersqlite:///{tmp_path}/x.db")
"""


@pytest.mark.parametrize(("ini", "test", "message"), [case[1:] for case in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_refused_in_one_line(project, ini, test, message):
    plugins_off = ("-p", "no:anyio") if "asyncio" in test else ("-p", "no:asyncio", "-p", "no:anyio")
    result = project.run(test, *plugins_off, conftest=BAD_CONFTEST, ini=ini)
    result.assert_outcomes(errors=1)
    assert_one_line(result, message)


def test_a_shared_scope_it_cannot_have_is_refused_in_one_line(project):
    result = project.run("def test_it(): pass", ini="rollback_shared_scope = class")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        "ERROR: rollback_shared_scope = class is not a scope it can have: use module or session"
    )


def test_a_factory_it_cannot_point_is_refused_in_one_line(project):
    test = textwrap.dedent("""
        def test_it(rollback_factories, engine):
            rollback_factories(engine)
    """)
    result = project.run(test)
    result.assert_outcomes(failed=1)
    assert "During handling" not in result.stdout.str()
    assert any(
        line.startswith("cannot point Engine(")
        and line.endswith(
            "at the test's connection: pass a sessionmaker or scoped_session "
            "(async ones go to async_rollback_factories)"
        )
        for line in result.stdout.lines
    ), result.stdout.str()
