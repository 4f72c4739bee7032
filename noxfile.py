"""The SQLAlchemy version matrix: the specification once per supported line.

Add a line by appending it to SQLALCHEMY_LINES. ``SPEC_SQLALCHEMY`` (a pip requirement: a version,
a pre-release such as ``sqlalchemy==2.2.0b1``, or a local checkout path) runs session ``spec-custom``.
"""

import os

import nox

os.environ.setdefault("UV_COMPILE_BYTECODE", "1")  # imports stay fast where Python may not write .pyc files
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["spec"]

SQLALCHEMY_LINES = ["1.4", "2.0", "2.1"]  # oldest first; the last one is the default line
CONSTRAINTS = "constraints.txt"
PLUGIN = "plugin"  # the take-home distribution, pytest-sqlalchemy-session-spec: the spec runs its functions
RESULTS = "results"  # one JSON document per line: results/sqlalchemy-<line>.json
SITE = "site"  # the living documentation rendered from RESULTS
RELIABILITY = "tests/reliability"  # slow: each test runs the suite itself, many times
INTERRUPTED_PYTEST_GRACE = 60  # s nox waits, on Ctrl-C, for pytest to tear down (drop its database)
RELIABILITY_WORKERS = "3"  # its tests mostly wait for their child runs; those that cannot share run in one group


def install(session: nox.Session, sqlalchemy_requirement: str) -> None:
    session.install("-c", CONSTRAINTS, "-e", ".[dev]", "-e", f"./{PLUGIN}", "-e", "./lint", sqlalchemy_requirement)


def pytest(session: nox.Session, *arguments: str) -> None:
    session.run("pytest", *arguments, *session.posargs, interrupt_timeout=INTERRUPTED_PYTEST_GRACE)


@nox.session
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec(session: nox.Session, line: str) -> None:
    """The specification (steps/) on one SQLAlchemy line."""
    install(session, f"sqlalchemy[asyncio]=={line}.*")
    pytest(session, "steps", f"--spec-results={RESULTS}/sqlalchemy-{line}.json")


@nox.session(name="spec-custom")
def spec_custom(session: nox.Session) -> None:
    """The specification on the SQLAlchemy named by SPEC_SQLALCHEMY."""
    requirement = os.environ.get("SPEC_SQLALCHEMY")
    if not requirement:
        session.error("set SPEC_SQLALCHEMY to a requirement, e.g. 'sqlalchemy==2.2.0b1' or a checkout path")
    install(session, requirement)
    pytest(session, "steps", f"--spec-results={RESULTS}/sqlalchemy-custom.json")


@nox.session
def tests(session: nox.Session) -> None:
    """The support code's own tests (tests/), on the default line."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, "tests", f"--ignore={RELIABILITY}")


@nox.session
def reliability(session: nox.Session) -> None:
    """Whole-suite runs under random order, workers, kills, concurrent runs and bad input (tests/reliability)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    pytest(session, RELIABILITY, "-n", RELIABILITY_WORKERS, "--dist", "loadgroup")


@nox.session
def docs(session: nox.Session) -> None:
    """The living documentation: site/ rendered from every line's results (run the spec sessions first)."""
    install(session, f"sqlalchemy[asyncio]=={SQLALCHEMY_LINES[-1]}.*")
    session.run("python", "-m", "support.report.site", "--results", RESULTS, "--out", SITE)
