"""Runs of the teardown lint: real flake8, in a process of its own, on modules written to a scenario's directory.

``SELECTED`` is the selection the README recommends: the lint's codes and E999, because flake8 runs no plugin on
a file it cannot parse and reports it only as E999, which ``--select SRB`` alone would hide.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from support import scratch, warm_runs
from support.processes import die_with_parent

SELECTED = "SRB,E999"
REPORT = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$")


@dataclass(frozen=True)
class Report:
    file: str
    line: int
    col: int
    code: str
    text: str


@dataclass(frozen=True)
class LintRun:
    """What flake8 printed and how it exited."""

    output: str
    errors: str
    exit_code: int

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()

    @property
    def reports(self) -> list[Report]:
        """Every line of the output as a report; a line flake8 would not print fails here, named."""
        reports = []
        for line in self.lines:
            match = REPORT.match(line)
            assert match, f"flake8 printed a line that is not a report: {line!r} (stderr: {self.errors!r})"
            reports.append(Report(match["file"], int(match["line"]), int(match["col"]), match["code"], match["text"]))
        return reports


def write_module(directory: Path, name: str, source: str) -> Path:
    """Writes a module (``app.py``, ``database/session.py``) under ``directory``, with its packages' folders."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source if source.endswith("\n") else source + "\n")
    return path


def run_flake8(directory: Path, *targets: str | Path, select: str = SELECTED, python: str = sys.executable) -> LintRun:
    """``python -m flake8 --select ... targets`` with ``directory`` as its working directory."""
    assert_lint_installed(python)
    arguments = ["--isolated", f"--select={select}", *map(str, targets)]
    if python == sys.executable:  # forked warm; another environment's flake8 (a fresh install) runs as it is
        completed = warm_runs.run_module("flake8", arguments, directory, timeout=120, errors_apart=True)
        return LintRun(completed.output, completed.errors, completed.exit_code)
    completed = subprocess.run(
        [python, "-m", "flake8", *arguments],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=die_with_parent(signal.SIGKILL),  # a killed run leaves no flake8 behind
    )
    return LintRun(completed.stdout, completed.stderr, completed.returncode)


@cache
def assert_lint_installed(python: str) -> None:
    """flake8 selects a code no plugin has without a word; a run without the lint would report nothing."""
    version = subprocess.run([python, "-m", "flake8", "--version"], capture_output=True, text=True, timeout=60)
    assert "flake8-session-boundary" in version.stdout, (
        f"flake8 of {python} has no flake8-session-boundary: install it (pip install -e ./lint); {version.stderr}"
    )


@contextmanager
def module_directories() -> Iterator[Callable[[], Path]]:
    """A run's directory for the modules its scenarios write (removed at its end; a killed run's is swept by the
    next), and a function giving each scenario a fresh directory inside it."""
    parent = scratch.lint_modules()
    scratch.sweep_dead_owners(parent)
    run_directory = scratch.make_owned_directory(parent)
    try:
        yield lambda: Path(tempfile.mkdtemp(prefix="scenario-", dir=run_directory))
    finally:
        shutil.rmtree(run_directory, ignore_errors=True)
