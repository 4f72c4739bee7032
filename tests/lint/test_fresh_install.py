"""Issue 14's "done when" for the lint: installed with flake8 alone in a fresh virtual environment (uv venv,
uv pip install flake8 ./lint), flake8 reports the incident's module and nothing on the fixed one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.lint_runs import run_flake8, write_module

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = """\
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://hr@db.example/hr")
Session = scoped_session(sessionmaker(bind=engine))
app = Flask(__name__)
"""
FIX = """

@app.teardown_appcontext
def end_the_session(exception=None):
    Session.remove()
"""


def uv() -> str:
    """The project's own uv (dev.py puts it in .venv), or the one beside this Python."""
    for candidate in (ROOT / ".venv" / "bin" / "uv", Path(sys.executable).with_name("uv")):
        if candidate.is_file():
            return str(candidate)
    pytest.fail("no uv in .venv/bin or beside this Python: run python3 dev.py spec once")


@pytest.mark.slow
@pytest.mark.parametrize("flake8", ["flake8", "flake8==6.0.0"], ids=["newest flake8", "oldest flake8 supported"])
def test_installed_alone_it_reports_the_incident_and_passes_the_fix(tmp_path, flake8):
    source = shutil.copytree(ROOT / "lint", tmp_path / "lint")  # the build writes beside the sources: not ours
    venv = tmp_path / "venv"
    subprocess.run([uv(), "venv", "--quiet", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = [uv(), "pip", "install", "--quiet", "--python", python, flake8, str(source)]
    subprocess.run(install, check=True, timeout=600)
    freeze = subprocess.run([uv(), "pip", "freeze", "--python", python], capture_output=True, text=True, check=True)
    installed = {re.split(r"==| @ ", line)[0].lower() for line in freeze.stdout.splitlines()}
    assert {"flake8", "flake8-session-boundary"} <= installed, freeze.stdout
    assert "sqlalchemy" not in installed, "the lint must install without SQLAlchemy"

    write_module(tmp_path / "incident", "app.py", INCIDENT)
    write_module(tmp_path / "fixed", "app.py", INCIDENT + FIX)
    incident = run_flake8(tmp_path / "incident", "app.py", python=python)
    fixed = run_flake8(tmp_path / "fixed", "app.py", python=python)

    assert [(r.code, r.line) for r in incident.reports] == [("SRB100", 6)], incident.output + incident.errors
    assert incident.exit_code == 1
    assert (fixed.output, fixed.errors, fixed.exit_code) == ("", "", 0)
