"""dev.py tells an older Python what it needs in one line: it must parse, and reach its version check, on Python 3.6
and later (Python 2.7 cannot parse a file with f-strings or annotations, and still gets a SyntaxError)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEV_PY = Path(__file__).resolve().parents[1] / "dev.py"
OLD_PYTHONS = ["python3.6", "python3.7", "python3.8", "python3.9", "python3.10"]
VERSION_LINE = "Python 3.11 or newer is needed, this is {}: run dev.py with python3.11+"


def test_dev_py_parses_in_python_3_6_syntax_and_checks_the_version_before_anything_newer_runs():
    tree = ast.parse(DEV_PY.read_text(), feature_version=(3, 6))
    futures = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "__future__"]
    assert not futures, "`from __future__ import annotations` is a SyntaxError on Python 3.6"
    statements = [node for node in tree.body if not isinstance(node, ast.Expr | ast.Import | ast.ImportFrom)]
    first = statements[0]
    assert isinstance(first, ast.If), ast.unparse(first)
    assert "version_info" in ast.unparse(first.test)
    for node in ast.walk(first):
        assert not isinstance(node, ast.NamedExpr | ast.Match), "the check itself must be Python 3.6"


def _interpreter(python: str) -> str | None:
    """``python`` (e.g. python3.6) from the PATH, else from pyenv's versions, if it runs."""
    pyenv_versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(python), *sorted(pyenv_versions.glob(f"{python.removeprefix('python')}.*/bin/python"))]
    for candidate in filter(None, candidates):
        if subprocess.run([str(candidate), "-c", "pass"], capture_output=True).returncode == 0:
            return str(candidate)
    return None


@pytest.mark.parametrize("python", OLD_PYTHONS)
def test_an_older_python_gets_the_version_line(python: str):
    interpreter = _interpreter(python)
    if interpreter is None:
        pytest.skip(f"no {python} on this machine")
    completed = subprocess.run(
        [interpreter, str(DEV_PY), "spec"], capture_output=True, text=True, timeout=60, cwd=DEV_PY.parent
    )
    version = subprocess.run(
        [interpreter, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    assert completed.returncode == 1
    assert completed.stderr.strip() == VERSION_LINE.format(version), completed.stderr
    assert completed.stdout == ""
