"""dev.py tells an older Python what it needs in one line: it must parse, and reach its version check, on Python 2.7
and 3.6 and later. It is only a launcher: the work is in devtool.py, imported once the version is known to do.
(Its interrupts, kills and .venv builds: tests/reliability/test_kills_of_dev_py.py.)"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
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


# --- what `dev.py test` runs at once, and what waits ------------------------------------------------------------

STAND_IN_NOXFILE = """
import time
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
SQLALCHEMY_LINES = ["a", "b"]
LOG = Path("sessions.log")


def stand_in(session, name, seconds, until=()):
    # logs its start, works for `seconds` (or until the log holds each line `until` names, at most 2 minutes), logs
    # its end
    with LOG.open("a") as log:
        log.write(f"start {name} {time.monotonic()}\\n")
    deadline = time.monotonic() + (120 if until else seconds)
    while time.monotonic() < deadline and not (until and all(f"{one} " in LOG.read_text() for one in until)):
        time.sleep(0.05)
    print(f"output of {name}")
    with LOG.open("a") as log:
        log.write(f"end {name} {time.monotonic()}\\n")
    if Path(f"fail-{name}").exists():
        session.error(f"{name} failed")


@nox.session
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec(session, line):
    stand_in(session, f"spec({line})", 0.5)


@nox.session(name="spec-sqlite")
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec_sqlite(session, line):
    stand_in(session, f"spec-sqlite({line})", 0.1)


@nox.session(name="spec-mariadb")
@nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
def spec_mariadb(session, line):
    stand_in(session, f"spec-mariadb({line})", 0.1)


@nox.session
def tests(session):
    stand_in(session, "tests", 0, until=("start samples", "start isolation"))


@nox.session
def samples(session):
    # until the reliability runs start; when the tests fail, until they end (no reliability run will start)
    stand_in(session, "samples", 0, until=("end tests",) if Path("fail-tests").exists() else ("start reliability",))


@nox.session
def isolation(session):
    stand_in(session, "isolation", 0.1)


@nox.session
def docs(session):
    stand_in(session, "docs", 0.1)


@nox.session
def reliability(session):
    stand_in(session, "reliability", 0.1)
"""


def dev_py_test(tmp_path: Path, *failing: str) -> tuple[subprocess.CompletedProcess, dict[str, tuple[float, float]]]:
    """``dev.py test`` in a copy of dev.py and devtool.py whose nox sessions are stand-ins (the checkout's .venv
    linked in); its output, and when each session started and ended."""
    tools = DEV_PY.parent / ".venv"
    if not (tools / "bin" / "nox").exists():
        pytest.skip("no .venv with nox: run python3 dev.py spec first")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dev.py", "devtool.py", "pyproject.toml", "constraints.txt"):
        shutil.copy2(DEV_PY.parent / name, project / name)  # their times too: the linked .venv is current
    (project / ".venv").symlink_to(tools)
    (project / "noxfile.py").write_text(STAND_IN_NOXFILE)
    for name in failing:
        (project / f"fail-{name}").touch()
    completed = subprocess.run(
        ["python3", "dev.py", "test"], cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SPEC_MARIADB_URL": "mysql+pymysql://stand-in/"},
    )  # fmt: skip
    times: dict[str, list[float]] = {}
    for line in (project / "sessions.log").read_text().splitlines():
        _, name, at = line.split()
        times.setdefault(name, []).append(float(at))
    return completed, {name: (found[0], found[-1]) for name, found in times.items()}


def test_dev_py_test_runs_samples_and_isolation_beside_and_the_reliability_runs_after_the_tests_and_site(tmp_path):
    completed, times = dev_py_test(tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    start, end = 0, 1
    assert max(times["spec(a)"][end], times["spec(b)"][end]) <= times["docs"][start]  # the site from both lines
    sqlite = times["spec-sqlite(a)"]  # after its line's PostgreSQL run, in the same nox process; before the site
    assert times["spec(a)"][end] <= sqlite[start] < sqlite[end] <= times["docs"][start]
    mariadb = times["spec-mariadb(a)"]  # a server named (SPEC_MARIADB_URL): after SQLite, in the same nox process
    assert sqlite[end] <= mariadb[start] < mariadb[end] <= times["docs"][start]
    assert times["samples"][start] < times["tests"][end]  # at once
    assert times["isolation"][start] < times["tests"][end]
    assert times["reliability"][start] >= max(times["tests"][end], times["docs"][end])
    assert times["reliability"][start] < times["samples"][end]  # it need not wait for the samples
    order = [
        completed.stdout.index(f"output of {name}") for name in ("spec(a)", "spec(b)", "tests", "samples", "isolation")
    ]
    assert order == sorted(order)  # each one's output whole, in the order given
    assert completed.stdout.index("output of docs") < completed.stdout.index("output of reliability")


def test_dev_py_test_starts_no_reliability_run_after_failed_support_tests(tmp_path):
    completed, times = dev_py_test(tmp_path, "tests")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "reliability" not in times
    assert {"spec(a)", "spec-sqlite(a)", "spec(b)", "tests", "samples", "isolation", "docs"} <= set(times)


def test_without_mariadb_binaries_or_a_server_dev_py_says_in_one_line_that_the_mariadb_runs_are_left_out(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("devtool_under_test", DEV_PY.parent / "devtool.py")
    devtool = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, devtool)  # its dataclasses look their module up there
    spec.loader.exec_module(devtool)
    monkeypatch.delenv("SPEC_MARIADB_URL", raising=False)
    monkeypatch.delenv("SPEC_MARIADB_BIN", raising=False)
    monkeypatch.setattr(devtool.shutil, "which", lambda name, path=None: None)
    missing = devtool.mariadb_missing()
    assert missing.startswith("dev.py: no MariaDB server binaries (mariadbd, mariadb-install-db) on PATH or in")
    assert missing.endswith("(install Debian's mariadb-server package to have them)")
    assert "\n" not in missing
    monkeypatch.setattr(devtool.shutil, "which", lambda name, path=None: f"/usr/sbin/{name}")
    assert devtool.mariadb_missing() is None
    monkeypatch.setattr(devtool.shutil, "which", lambda name, path=None: None)
    monkeypatch.setenv("SPEC_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/")
    assert devtool.mariadb_missing() is None
