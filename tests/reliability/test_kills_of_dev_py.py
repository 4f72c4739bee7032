"""``python3 dev.py`` killed or interrupted, while it builds .venv and while nox runs (issue 19, items 3 and 8).

Each run is the real dev.py and devtool.py, copied into a project of the test's own beside the real
pyproject.toml and constraints.txt, with a noxfile whose ``spec`` session runs a stand-in for pytest: a process
that starts a child of its own and, on SIGINT or SIGTERM, takes a second to tear down (and says so in a file).
Building .venv uses the real package index. Every row checks: the exit status the signal means (130, 143, 129,
or killed), dev.py's one line and no traceback, every process the run started gone once it has ended (on kill -9
within 2 s), and no half-made .venv, build directory or temporary file left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psutil
import pytest

from tests.helpers.from_support import gone

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
STOPPED_LINE = "dev.py: stopped by {}; what ran was told and has ended (a half-built .venv is removed)"
STARTED: list[psutil.Process] = []  # every process a row's runs were seen to start
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129, signal.SIGKILL: -9}
# the pytest stand-in: given a file "hold", it starts a child and waits; on SIGINT or SIGTERM it tears down for a
# second (and writes what it got); without "hold" it ends at once
STAND_IN = textwrap.dedent("""
    import pathlib, signal, subprocess, sys, time
    here = pathlib.Path(sys.argv[1])
    if not (here / "hold").exists():
        sys.exit(0)
    # the child waits out signals (its parent kills it) and says when it is past start-up: a signal that meets
    # a Python still importing site ends it with a "Fatal Python error" and a traceback of its own
    waits = ("import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
             "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", waits], stdout=subprocess.PIPE)
    child.stdout.readline()
    def tear_down(signum, frame):
        with (here / "signals").open("a") as signals:
            signals.write(signal.Signals(signum).name + "\\n")
        time.sleep(1)
        child.kill()
        (here / "torn-down").write_text("yes")
        sys.exit(1)
    signal.signal(signal.SIGINT, tear_down)
    signal.signal(signal.SIGTERM, tear_down)
    (here / "pids").write_text(f"{child.pid}")
    time.sleep(600)
""")
NOXFILE = textwrap.dedent("""
    import sys
    import nox

    nox.options.default_venv_backend = "none"
    SQLALCHEMY_LINES = ["only"]

    @nox.session
    @nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
    def spec(session, line):
        session.run(sys.executable, "stand_in.py", ".", interrupt_timeout=60)

    @nox.session(name="spec-sqlite")
    @nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
    def spec_sqlite(session, line):
        pass

    @nox.session(name="spec-mariadb")
    @nox.parametrize("line", SQLALCHEMY_LINES, ids=SQLALCHEMY_LINES)
    def spec_mariadb(session, line):
        pass

    @nox.session
    def docs(session):
        pass
""")


EVERY_SIGNAL = pytest.mark.parametrize("sent", list(EXIT_STATUS), ids=lambda sent: sent.name)


def dev_project(where: Path, tools: Path | None = None) -> Path:
    """dev.py (and devtool.py), the project's pyproject.toml and constraints.txt, our noxfile and stand-in; with
    ``tools``, .venv is a link to that already built one (the real checkout's)."""
    where.mkdir()
    for name in ("dev.py", "devtool.py", "pyproject.toml", "constraints.txt"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, where / name)  # their times too: a .venv newer than them is current
    (where / "noxfile.py").write_text(NOXFILE)
    (where / "stand_in.py").write_text(STAND_IN)
    (where / "tmp").mkdir()  # the run's TMPDIR
    if tools:
        (where / ".venv").symlink_to(tools)
    return where


@pytest.fixture(autouse=True)
def nothing_outlives_a_failed_row() -> Iterator[None]:
    """Should a row fail, what its runs left (a stand-in waits ten minutes) is killed at its end."""
    yield
    for process in STARTED:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    STARTED.clear()


def start_dev_py(project: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "dev.py", "spec"],
        cwd=project,
        env={**os.environ, "TMPDIR": str(project / "tmp"), "PYTHONDONTWRITEBYTECODE": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def descendants(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        found = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    STARTED.extend(found)
    return found


def wait_for(condition, what: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            output, errors = process.communicate()
            pytest.fail(f"dev.py ended (exit {process.returncode}) before {what}\n{output}\n{errors}")
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def building(process: subprocess.Popen) -> bool:
    """pip or uv installing into the .venv being built."""
    return any(
        "ensurepip" in " ".join(child.cmdline()) or "install" in child.cmdline()
        for child in descendants(process)
        if not gone(child)
    )


def ended_with(process: subprocess.Popen, sent: signal.Signals, started: list[psutil.Process]) -> str:
    """The run's output, once it has ended with the status ``sent`` means; every process it started is gone."""
    output, errors = process.communicate(timeout=120)
    ended = time.monotonic()
    assert process.returncode == EXIT_STATUS[sent], f"exit {process.returncode}\n{output}\n{errors}"
    while [child for child in started if not gone(child)] and time.monotonic() < ended + 2:
        time.sleep(0.05)
    assert [child for child in started if not gone(child)] == [], "processes of the run outlived it"
    assert "Traceback" not in output + errors
    if sent != signal.SIGKILL:
        assert errors.splitlines().count(STOPPED_LINE.format(sent.name)) == 1, errors
    return output + errors


def leftovers(project: Path) -> list[str]:
    """A build directory beside .venv, or a temporary file (ensurepip's, pip's wheels)."""
    return sorted(path.name for path in project.glob(".venv.tmp-*")) + [
        str(path) for path in (project / "tmp").rglob("*")
    ]


@EVERY_SIGNAL
def test_dev_py_stopped_while_building_the_venv(sent: signal.Signals, tmp_path: Path):
    project = dev_project(tmp_path / "project")
    process = start_dev_py(project)
    wait_for(lambda: building(process), "an install into the .venv being built", process)
    started = descendants(process)
    process.send_signal(sent)
    ended_with(process, sent, started)
    assert not (project / ".venv").exists()
    if sent == signal.SIGKILL:  # nothing ran to clean up: the next run sweeps the build, and builds .venv
        assert leftovers(project)
        again = start_dev_py(project)
        output, errors = again.communicate(timeout=300)
        assert again.returncode == 0, output + errors
        assert subprocess.run([project / ".venv" / "bin" / "nox", "--version"]).returncode == 0
    assert leftovers(project) == []


@EVERY_SIGNAL
def test_dev_py_stopped_while_nox_runs(sent: signal.Signals, tmp_path: Path):
    tools = ROOT / ".venv"
    if not (tools / ".tools-installed").exists():
        pytest.skip("no built .venv in the checkout to lend the run")
    project = dev_project(tmp_path / "project", tools=tools)
    (project / "hold").touch()
    process = start_dev_py(project)
    wait_for(lambda: (project / "pids").exists(), "the pytest stand-in under nox", process)
    started = descendants(process)
    assert len(started) >= 3, started  # nox, the stand-in and its child (and a watcher)
    process.send_signal(sent)
    ended_with(process, sent, started)
    # the stand-in was told once (a hang-up as SIGTERM, which pytest tears down on), and had torn down by the end
    told = "SIGINT" if sent == signal.SIGINT else "SIGTERM"
    assert (project / "signals").read_text().splitlines()[:1] == [told]
    assert (project / "torn-down").exists()
    assert leftovers(project) == []


def test_two_first_runs_at_once_over_a_half_made_venv(tmp_path: Path):
    project = dev_project(tmp_path / "project")
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", project / ".venv"])
    assert made.returncode == 0  # what an interrupted `python -m venv` leaves: a Python and no pip
    first, second = start_dev_py(project), start_dev_py(project)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    said = "\n".join(output + errors for output, errors in outputs)
    assert said.count(".venv is half-made (no pip): building it again") == 1, said
    assert said.count("waiting for another dev.py to finish building .venv") == 1, said
    assert said.count("living documentation:") == 2
    assert subprocess.run([project / ".venv" / "bin" / "nox", "--version"]).returncode == 0
    assert leftovers(project) == []
