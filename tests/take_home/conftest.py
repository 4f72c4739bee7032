"""A throwaway project for each test: the plugin installed, engines of the suite's own database, one table.

The project's tests run in a pytest subprocess (pytester); afterwards another connection must find no row any of them
wrote: only the rows the parent test stored before the run, if any.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

PROJECT_CONFTEST = """
    import os

    import pytest
    from sqlalchemy import Column, Integer, String, create_engine
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Note(Base):
        __tablename__ = "take_home_notes"
        id = Column(Integer, primary_key=True)
        text = Column(String(40), nullable=False)


    @pytest.fixture(scope="session")
    def engine():
        engine = create_engine(os.environ["TAKE_HOME_URL"])
        yield engine
        engine.dispose()


    @pytest.fixture(scope="session")
    def async_engine():
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(os.environ["TAKE_HOME_ASYNC_URL"])
"""


@dataclass
class Project:
    pytester: pytest.Pytester
    url: str

    def run(self, tests: str, *arguments: str, conftest: str = "", ini: str = "") -> pytest.RunResult:
        """Run ``tests`` (and any extra conftest text) in the project; then check nothing was left behind."""
        self.pytester.makeconftest(textwrap.dedent(PROJECT_CONFTEST) + textwrap.dedent(conftest))
        self.pytester.makepyfile(test_project=textwrap.dedent(tests))
        self.pytester.makeini("[pytest]\n" + textwrap.dedent(ini))
        result = self.pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", *arguments)
        assert self.rows() == self.rows_before, f"left behind: {self.rows()}"
        return result

    def rows(self) -> list:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(text("SELECT id, text FROM take_home_notes ORDER BY id")).all()
        finally:
            engine.dispose()

    rows_before: tuple = ()


def assert_one_line(result: pytest.RunResult, message: str) -> None:
    """The run reported ``message`` as a line of its own (a setup error without traceback)."""
    assert message in result.stdout.lines, "\n".join(result.stdout.lines)


@pytest.fixture
def project(pytester, monkeypatch, database) -> Project:
    """The project, with table take_home_notes made (empty) in the suite's database and dropped afterwards."""
    url = database.url.render_as_string(hide_password=False)
    # URLs travel in the environment, so no password is written into the generated files
    monkeypatch.setenv("TAKE_HOME_URL", url)
    monkeypatch.setenv("TAKE_HOME_ASYNC_URL", database.async_url.render_as_string(hide_password=False))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE take_home_notes (id integer PRIMARY KEY, text varchar(40) NOT NULL)"))
    made = Project(pytester, url)
    made.rows_before = []
    yield made
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE take_home_notes"))
    engine.dispose()


@pytest.fixture
def engine(database):
    """An engine of the suite's database, for tests that run in this process (the census, the monitor, the gauge)."""
    engine = create_engine(database.url)
    yield engine
    engine.dispose()
