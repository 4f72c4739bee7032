"""Each code of the teardown lint on modules that must and must not be reported, through real flake8.

Every case is a small project of its own (a module, or an app module and the module it imports from); flake8 runs
once over all of them, as a user's CI runs it over a tree, and each test reads the lines of its own project.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from support.lint_runs import LintRun, Report, run_flake8, write_module

ROOT = Path(__file__).resolve().parents[2]

FLASK_APP = """
    from flask import Flask
    from sqlalchemy.orm import scoped_session, sessionmaker

    Session = scoped_session(sessionmaker())
    app = Flask(__name__)
"""
SESSION_LOCAL = """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    engine = create_engine("sqlite://")
    SessionLocal = sessionmaker(bind=engine)
"""


CLOSED_AFTER_THE_YIELD = """
    def get_db():
        db = SessionLocal()
        yield db
        db.close()
"""


def module(*parts: str) -> str:
    """The parts of a module, each dedented, a blank line between them."""
    return "\n\n".join(dedent(part).strip() for part in parts)


# case -> (its modules, the (code, line) flake8 must report for it, nothing else)
CASES: dict[str, tuple[dict[str, str], list[tuple[str, int]]]] = {
    # SRB100: reported
    "incident": ({"app.py": FLASK_APP}, [("SRB100", 4)]),
    "factory returning the registry": ({"app.py": """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker

        def make_registry():
            return scoped_session(sessionmaker())

        Session = make_registry()
        app = Flask(__name__)
    """}, [("SRB100", 7)]),
    "factory returning the registry through a name": ({"app.py": """
        from flask import Flask
        from sqlalchemy import orm

        def make_registry():
            registry = orm.scoped_session(orm.sessionmaker())
            return registry

        app = Flask(__name__)
        Session = make_registry()
    """}, [("SRB100", 9)]),
    "removed at a blueprint's own teardown_request": ({"views.py": """
        from flask import Blueprint
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker())
        bp = Blueprint("hr", __name__)

        @bp.teardown_request
        def only_after_this_blueprints_requests(exception=None):
            Session.remove()
    """}, [("SRB100", 4)]),
    "a teardown that removes something else": ({"app.py": module(FLASK_APP, """
        Other = scoped_session(sessionmaker())
        served = []

        @app.teardown_appcontext
        def end(exception=None):
            served.remove(1)
            Other.remove()
    """)}, [("SRB100", 4)]),
    "handed on without a name and never removed": ({"app.py": """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker

        def create_app(registry):
            app = Flask(__name__)
            app.config["REGISTRY"] = registry
            return app

        app = create_app(scoped_session(sessionmaker()))
    """}, [("SRB100", 9)]),
    "imported by the app module from the project's database module": ({
        "database/__init__.py": "",
        "database/session.py": """
            from sqlalchemy.orm import scoped_session, sessionmaker

            Session = scoped_session(sessionmaker())
        """,
        "app.py": "from flask import Flask\n\nfrom database.session import Session\n\napp = Flask(__name__)",
    }, [("SRB100", 3)]),
    # SRB100: not reported
    "removed at teardown_appcontext": ({"app.py": module(FLASK_APP, """
        @app.teardown_appcontext
        def remove_session(exception=None):
            Session.remove()
    """)}, []),
    "removed at teardown_request": ({"app.py": module(FLASK_APP, """
        @app.teardown_request
        def remove_session(exception=None):
            if exception is not None:
                Session.rollback()
            Session.remove()
    """)}, []),
    "removed in a helper the teardown calls": ({"app.py": module(FLASK_APP, """
        def forget_the_session():
            Session.remove()

        def end_of_request(exception=None):
            forget_the_session()

        app.teardown_appcontext(end_of_request)
    """)}, []),
    "removed by a lambda a blueprint registers for the whole app": ({"views.py": """
        from flask import Blueprint
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker())
        bp = Blueprint("hr", __name__)
        bp.teardown_app_request(lambda exception: Session.remove())
    """}, []),
    "made and removed inside an application factory": ({"app.py": """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker

        def create_app():
            app = Flask(__name__)
            app.session = scoped_session(sessionmaker())

            @app.teardown_appcontext
            def end(exception=None):
                app.session.remove()

            return app
    """}, []),
    "Flask-SQLAlchemy's db.session": ({"app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)

        @app.get("/")
        def index():
            return str(db.session.execute(db.text("select 1")).scalar())
    """}, []),
    "a database module that imports no Flask": ({"database.py": """
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker())
    """}, []),
    "imported from a module that removes it at a teardown it registers": ({
        "db.py": """
            from sqlalchemy.orm import scoped_session, sessionmaker

            Session = scoped_session(sessionmaker())

            def init_app(app):
                app.teardown_appcontext(shutdown)

            def shutdown(exception=None):
                Session.remove()
        """,
        "app.py": "from flask import Flask\n\nfrom db import Session, init_app\n\napp = Flask(__name__)\ninit_app(app)",
    }, []),
    "a blueprint module using the app's registry": ({
        "db.py": "from sqlalchemy.orm import scoped_session, sessionmaker\nSession = scoped_session(sessionmaker())",
        "views.py": """
            from flask import Blueprint

            from db import Session

            bp = Blueprint("views", __name__)

            @bp.get("/")
            def index():
                return str(Session().connection())
        """,
    }, []),
    # SRB200 / SRB201: reported
    "yields a Session from a sessionmaker and never closes it": ({"deps.py": module(SESSION_LOCAL, """
        def get_db():
            db = SessionLocal()
            yield db
    """)}, [("SRB200", 8)]),
    "yields a new Session directly": ({"deps.py": module(SESSION_LOCAL, """
        def get_db():
            yield SessionLocal()
    """)}, [("SRB200", 8)]),
    "yields a Session(engine) and never closes it": ({"deps.py": module(SESSION_LOCAL, """
        def get_db():
            session = Session(engine)
            yield session
            session.commit()
    """)}, [("SRB200", 8)]),
    "an async dependency yields an AsyncSession and never closes it": ({"deps.py": """
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

        engine = create_async_engine("sqlite+aiosqlite://")
        SessionLocal = async_sessionmaker(engine)

        async def get_db():
            db = SessionLocal()
            yield db

        async def get_other():
            other = AsyncSession(engine)
            yield other
    """}, [("SRB200", 7), ("SRB200", 11)]),
    "imports the sessionmaker from the project's database module": ({
        "database.py": SESSION_LOCAL,
        "deps.py": "from database import SessionLocal\n\ndef get_db():\n    db = SessionLocal()\n    yield db",
    }, [("SRB200", 4)]),
    "closes the Session after the yield, outside a finally": (
        {"deps.py": module(SESSION_LOCAL, CLOSED_AFTER_THE_YIELD)}, [("SRB201", 8)]
    ),
    "a dependency defined inside an app factory is reported once, as itself": ({"deps.py": module(SESSION_LOCAL, """
        def create_app():
            def get_db():
                yield SessionLocal()

            def get_closed():
                with SessionLocal() as db:
                    yield db

            return get_db, get_closed
    """)}, [("SRB200", 9)]),
    # SRB200 / SRB201: not reported
    "closes the Session in a finally": ({"deps.py": module(SESSION_LOCAL, """
        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
    """)}, []),
    "yields inside a with block": ({"deps.py": module(SESSION_LOCAL, """
        def get_db():
            with SessionLocal() as db:
                yield db

        def get_other():
            with Session(engine) as other, other.begin():
                yield other
    """)}, []),
    "an async dependency yields inside async with": ({"deps.py": """
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))

        async def get_db():
            async with SessionLocal() as db:
                yield db

        async def get_other():
            other = SessionLocal()
            try:
                yield other
            finally:
                await other.close()
    """}, []),
    "yields inside with closing()": ({"deps.py": module(SESSION_LOCAL, """
        from contextlib import closing

        def get_db():
            db = SessionLocal()
            with closing(db):
                yield db
    """)}, []),
    "a pytest fixture closes after its yield": ({"conftest.py": module(
        SESSION_LOCAL, "import pytest", "@pytest.fixture\n" + dedent(CLOSED_AFTER_THE_YIELD).strip()
    )}, []),
    "a function that returns a Session": ({"deps.py": module(SESSION_LOCAL, """
        def make():
            return SessionLocal()
    """)}, []),
}  # fmt: skip


@pytest.fixture(scope="module")
def lint_of_every_case(tmp_path_factory) -> LintRun:
    root = tmp_path_factory.mktemp("lint-cases")
    for number, (modules, _) in enumerate(CASES.values()):
        for name, source in modules.items():
            write_module(root / f"case{number}", name, module(source))
    return run_flake8(root, ".")


def reports_of(run: LintRun, case: str) -> list[Report]:
    directory = f"./case{list(CASES).index(case)}/"
    return [report for report in run.reports if report.file.startswith(directory)]


@pytest.mark.parametrize("case", CASES)
def test_each_case_is_reported_exactly_as_expected(lint_of_every_case, case):
    run = lint_of_every_case
    reported = sorted((r.code, r.line) for r in reports_of(run, case))
    assert reported == sorted(CASES[case][1]), run.output
    assert not run.errors, run.errors


def test_the_project_own_tree_is_clean():
    """The project's real Flask and FastAPI applications and tests: nothing reported, no false positive."""
    run = run_flake8(ROOT, "support", "steps", "tests", "benchmarks", "lint")
    assert (run.output, run.errors, run.exit_code) == ("", "", 0)


def test_a_file_that_does_not_parse_is_one_line_with_its_file_and_line(tmp_path):
    write_module(tmp_path, "database.py", "from sqlalchemy.orm import scoped_session\nSession = scoped_session(\n")
    write_module(tmp_path, "app.py", "from flask import Flask\nfrom database import Session\n\napp = Flask(__name__)")
    run = run_flake8(tmp_path, "database.py", "app.py")
    assert len(run.lines) == 1, run.output
    assert run.lines[0].startswith("database.py:2:"), run.output
    assert " E999 SyntaxError: " in run.lines[0], run.output
    assert (run.errors, run.exit_code) == ("", 1)


def test_selecting_only_the_lint_passes_a_file_that_does_not_parse(tmp_path):
    """Why SRB is selected with E999: flake8 runs no plugin on such a file."""
    write_module(tmp_path, "app.py", "from flask import Flask\napp = Flask(__name__\n")
    run = run_flake8(tmp_path, "app.py", select="SRB")
    assert (run.output, run.errors, run.exit_code) == ("", "", 0)


def test_a_removal_at_a_blueprints_own_teardown_request_is_named_with_its_fix(lint_of_every_case):
    [report] = reports_of(lint_of_every_case, "removed at a blueprint's own teardown_request")
    assert report.text.startswith("scoped_session Session is removed only by a blueprint's teardown_request"), report
    assert report.text.endswith("use the blueprint's teardown_app_request, or @app.teardown_appcontext"), report
