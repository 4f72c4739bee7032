"""dev.py tells an older Python what it needs in one line: it must parse, and reach its version check, on Python 2.7
and 3.6 and later. It is only a launcher: the work is in devtool.py, imported once the version is known to do.
(Its interrupts, kills and .venv builds: tests/reliability/test_kills_of_dev_py.py.)"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEV_PY = Path(__file__).resolve().parents[1] / "dev.py"
OLD_PYTHONS = ["python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10"]
VERSION_LINE = "Python 3.11 or newer is needed, this is {}: run dev.py with python3.11+"


def test_dev_py_checks_the_version_before_it_imports_the_work_and_uses_no_newer_syntax():
    tree = ast.parse(DEV_PY.read_text(), feature_version=(3, 6))
    statements = [node for node in tree.body if not isinstance(node, ast.Expr)]
    assert [type(node) for node in statements[:2]] == [ast.Import, ast.If], "import sys, then the version check"
    assert "version_info" in ast.unparse(statements[1].test)
    assert [alias.name for node in statements[2:3] for alias in node.names] == ["devtool"]
    newer = (ast.JoinedStr, ast.AnnAssign, ast.NamedExpr, ast.Match, ast.AsyncFunctionDef, ast.ImportFrom)
    assert not [node for node in ast.walk(tree) if isinstance(node, newer)], "only what Python 2.7 also parses"


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
