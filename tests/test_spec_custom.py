"""spec-custom on a checkout of SQLAlchemy: built into a wheel with pip, installed with its asyncio extra, and run.

The checkout is a clone of SQLAlchemy's main branch where this machine keeps a mirror of it (its pyproject.toml is
the one uv refuses), else the unpacked source distribution of the SQLAlchemy this environment runs. Only the
session_api scenarios run: the point is the installation, and the version the run reports."""

import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
NOX = ROOT / ".venv" / "bin" / "nox"
MIRROR = Path("/work/.mirror/sqlalchemy+sqlalchemy/repo")  # a bare clone of SQLAlchemy's repository, where present


def _checkout(directory: Path) -> Path:
    if MIRROR.is_dir() and shutil.which("git"):
        subprocess.run(["git", "clone", "--quiet", str(MIRROR), str(directory)], check=True, timeout=300)
        return directory
    downloads = directory.parent / "sdist"
    # the source of SQLAlchemy alone: its build requirements come as wheels (built from source, Cython took minutes)
    subprocess.run(
        [ROOT / ".venv" / "bin" / "python", "-m", "pip", "download", "--quiet", "--no-deps",
         "--no-binary", "sqlalchemy", "--dest", str(downloads), f"sqlalchemy=={sqlalchemy.__version__}"],
        check=True, timeout=300,
    )  # fmt: skip
    with tarfile.open(next(downloads.glob("*.tar.gz"))) as sdist:
        sdist.extractall(directory.parent, filter="data")
    return next(path for path in directory.parent.iterdir() if path.name.lower().startswith("sqlalchemy-"))


def _version_of(checkout: Path) -> str:
    source = (checkout / "lib" / "sqlalchemy" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', source, re.MULTILINE)[1]


@pytest.mark.slow
@pytest.mark.skipif(not NOX.exists(), reason="no .venv/bin/nox: run python3 dev.py spec once")
def test_spec_custom_runs_the_specification_on_a_checkout_of_sqlalchemy(tmp_path):
    checkout = _checkout(tmp_path / "sqlalchemy")
    results = tmp_path / "custom.json"
    ran = subprocess.run(
        [NOX, "-s", "spec-custom", "--", "-q", "-p", "no:randomly", "-k", "session_api", f"--spec-results={results}"],
        cwd=ROOT, env={**os.environ, "SPEC_SQLALCHEMY": str(checkout)}, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    document = json.loads(results.read_text())
    assert document["run"]["sqlalchemy"] == _version_of(checkout)
    statuses = {scenario["status"] for scenario in document["scenarios"]}
    assert "passed" in statuses, statuses
    assert statuses <= {"passed", "not_applicable"}, statuses


def test_a_directory_that_is_no_checkout_is_refused_in_one_line(tmp_path):
    if not NOX.exists():
        pytest.skip("no .venv/bin/nox: run python3 dev.py spec once")
    ran = subprocess.run(
        [NOX, "-s", "spec-custom"], cwd=ROOT, env={**os.environ, "SPEC_SQLALCHEMY": str(tmp_path)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ran.returncode != 0
    assert f"SPEC_SQLALCHEMY={tmp_path} is a directory but no SQLAlchemy checkout (no lib/sqlalchemy/)" in ran.stderr
