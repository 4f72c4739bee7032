"""The SQLAlchemy version matrix: the specification once per supported line.

Add a line by appending it to SQLALCHEMY_LINES. ``SPEC_SQLALCHEMY`` (a pip requirement: a version,
a pre-release such as ``sqlalchemy==2.2.0b1``, or a local checkout path) runs session ``spec-custom``.
"""

import os
import shutil
import sys
from pathlib import Path

import nox

os.environ.setdefault("UV_COMPILE_BYTECODE", "1")  # imports stay fast where Python may not write .pyc files
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["spec"]

SQLALCHEMY_LINES = ["1.4", "2.0", "2.1"]  # oldest first; the last one is the default line
CONSTRAINTS = "constraints.txt"
PLUGIN = "plugin"  # the take-home distribution, pytest-sqlalchemy-session-spec: the spec runs its functions
RESULTS = "results"  # one JSON document per line: results/sqlalchemy-<line>.json (-sqlite.json: SQLite's run)
MESSAGES = "messages"  # the same runs as Cucumber Messages: messages/sqlalchemy-<line>.ndjson
SITE = "site"  # the living documentation rendered from RESULTS
RELIABILITY = "tests/reliability"  # slow: each test runs the suite itself, many times
ISOLATION = "tests/reliability/test_isolation.py"  # whole runs in 20 orders: a session of its own, run beside
SAMPLES = "tests/test_take_home_samples.py"  # slow: sample projects in fresh venvs; a session of its own, run beside
# the areas brought over to MySQL/MariaDB (issue 18): every scenario of theirs passes there or is not applicable,
# by its database tag (all of them now). The server: SPEC_MARIADB_URL's (mysql+pymysql://...), else --db=mariadb
# (binaries on PATH or in /usr/sbin, or SPEC_MARIADB_BIN); never the server dev.py's arguments name for PostgreSQL
MYSQL_AREAS = ["cascades", "guarding_the_request_boundary", "request_boundary", "savepoint_rollback", "session_api"]
INTERRUPTED_PYTEST_GRACE = 60  # s nox waits, on Ctrl-C, for pytest to tear down (drop its database)
RELIABILITY_WORKERS = "3"  # its tests mostly wait for their child runs; those that cannot share run in one group


def install(session: nox.Session, sqlalchemy_requirement: str) -> None:
    session.install("-c", CONSTRAINTS, "-e", ".[dev]", "-e", f"./{PLUGIN}", "-e", "./lint", sqlalchemy_requirement)


def pytest(session: nox.Session, *arguments: str, last: tuple[str, ...] = ()) -> None:
    """pytest with ``arguments``, the session's own (from dev.py: after ``--``), then ``last``, which win."""
    session.run("pytest", *arguments, *session.posargs, *last, interrupt_timeout=INTERRUPTED_PYTEST_GRACE)


@nox.session
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec(session: nox.Session, line: str) -> None:
    """The specification (steps/) on one SQLAlchemy line."""
    install(session, f"sqlalchemy[asyncio]=={line}.*")
    pytest(session, "steps", f"--spec-results={RESULTS}/sqlalchemy-{line}.json",
           f"--spec-messages={MESSAGES}/sqlalchemy-{line}.ndjson")  # fmt: skip


@nox.session(name="spec-sqlite")
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec_sqlite(session: nox.Session, line: str) -> None:
    """The specification on SQLite, on one SQLAlchemy line: a file database, no server."""
    install(session, f"sqlalchemy[asyncio]=={line}.*")
    pytest(session, "steps", f"--spec-results={RESULTS}/sqlalchemy-{line}-sqlite.json",
           f"--spec-messages={MESSAGES}/sqlalchemy-{line}-sqlite.ndjson", last=("--db=sqlite",))  # fmt: skip


@nox.session(name="spec-mariadb")
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec_mariadb(session: nox.Session, line: str) -> None:
    """The specification's areas that run on MySQL/MariaDB so far, on one SQLAlchemy line: a private MariaDB from
    the machine's binaries (--db=mariadb), or the server SPEC_MARIADB_URL names."""
    install(session, f"sqlalchemy[asyncio]=={line}.*")
    areas = [f"steps/test_{area}.py" for area in MYSQL_AREAS]
    url = os.environ.get("SPEC_MARIADB_URL")
    server = ("--db=url", f"--db-url={url}") if url else ("--db=mariadb",)
    pytest(session, *areas, f"--spec-results={RESULTS}/sqlalchemy-{line}-mysql.json",
           f"--spec-messages={MESSAGES}/sqlalchemy-{line}-mysql.ndjson", last=server)  # fmt: skip


@nox.session(name="spec-custom")
def spec_custom(session: nox.Session) -> None:
    """The specification on the SQLAlchemy named by SPEC_SQLALCHEMY: a requirement, or the path of a checkout."""
    requirement = os.environ.get("SPEC_SQLALCHEMY")
    if not requirement:
        session.error("set SPEC_SQLALCHEMY to a requirement, e.g. 'sqlalchemy==2.2.0b1' or a checkout path")
    if os.path.isdir(requirement):
        requirement = f"sqlalchemy[asyncio] @ {checkout_wheel(session, requirement).as_uri()}"
    install(session, requirement)
    pytest(session, "steps", f"--spec-results={RESULTS}/sqlalchemy-custom.json")


def checkout_wheel(session: nox.Session, checkout: str) -> Path:
    """A wheel built by pip from a checkout of SQLAlchemy: uv refuses the pyproject.toml of SQLAlchemy's main branch
    (two extras, mssql-pymssql and mssql_pymssql, normalise to one name) but installs the wheel. Built without the
    C extensions (DISABLE_SQLALCHEMY_CEXT), as they are optional: no compiler, and half a minute."""
    if not (Path(checkout) / "lib" / "sqlalchemy" / "__init__.py").is_file():
        session.error(f"SPEC_SQLALCHEMY={checkout} is a directory but no SQLAlchemy checkout (no lib/sqlalchemy/)")
    wheels = Path(session.create_tmp()) / "sqlalchemy-checkout-wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    session.run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), checkout,
        env={"DISABLE_SQLALCHEMY_CEXT": "1"}, external=True,
    )  # fmt: skip
    built = sorted(wheels.glob("sqlalchemy-*.whl"))
    if len(built) != 1:
        session.error(f"pip built {len(built)} wheels from {checkout}, expected one sqlalchemy-*.whl")
    return built[0].resolve()


@nox.session
def tests(session: nox.Session) -> None:
    """The support code's own tests (tests/), on the default line."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, "tests", f"--ignore={RELIABILITY}", f"--ignore={SAMPLES}")


@nox.session
def samples(session: nox.Session) -> None:
    """The take-home plugin in the five sample projects, each in fresh venvs on every line (tests/, on its own)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, SAMPLES)


@nox.session
def reliability(session: nox.Session) -> None:
    """Whole-suite runs under kills, concurrent runs, two users and bad input (tests/reliability; the random orders
    and workers are the session ``isolation``)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, RELIABILITY, f"--ignore={ISOLATION}", "-n", RELIABILITY_WORKERS, "--dist", "loadgroup")


@nox.session
def isolation(session: nox.Session) -> None:
    """The whole specification in random orders and across workers, against a serial run (tests/reliability)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, ISOLATION, "-n", RELIABILITY_WORKERS)


@nox.session
def docs(session: nox.Session) -> None:
    """The living documentation: site/ rendered from every line's results (run the spec sessions first)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    session.run("python", "-m", "support.report.site", "--results", RESULTS, "--out", SITE)
