"""Real runs of the suite in child processes: to their end, or watched as they go, their output read as it comes."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import psutil
import pytest

from tests.helpers.from_support import gone

ROOT = Path(__file__).resolve().parents[2]
# runs whose checks see the whole machine (orphaned shared memory) or the service's databases (what a run's start
# sweeps) take turns: one pytest-xdist worker runs them all, one after another (--dist loadgroup)
TAKES_TURNS = pytest.mark.xdist_group("takes-turns")


def pytest_command(*arguments: str | Path) -> list[str]:
    """``python -m pytest`` with these arguments, in the suite's own interpreter."""
    return [sys.executable, "-m", "pytest", *map(str, arguments)]


def start_run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A pytest run in the background, its stdout and stderr merged into one text pipe."""
    return subprocess.Popen(
        pytest_command(*arguments),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(*arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 900):
    """A pytest run to its end: the CompletedProcess, with stdout and stderr merged."""
    with start_run(*arguments, env=env, cwd=cwd) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, output)


def statuses(results: Path) -> dict[str, str]:
    """Scenario node id -> status, from a ``--spec-results`` document."""
    return {scenario["nodeid"]: scenario["status"] for scenario in json.loads(results.read_text())["scenarios"]}


RESULT_LINE = re.compile(r"\[\s*\d+%\]\s*$")  # pytest -v: a test's outcome line ends with its progress


class WatchedRun:
    """A pytest run in the background (give it ``-v``), its output read as it comes with the time of each line.

    A result line is one test's outcome; phases of a run, by its output: ``server start`` before the first
    result, ``mid-scenario`` between the first and the last, ``teardown`` after the last.
    """

    def __init__(self, *arguments: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT):
        self.started = time.monotonic()
        self.process = start_run(*arguments, env={"PYTHONUNBUFFERED": "1", **(env or {})}, cwd=cwd)
        self.lines: list[tuple[float, str]] = []  # (seconds since the start, line)
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def result_times(self) -> list[float]:
        with self._changed:
            return [at for at, line in self.lines if RESULT_LINE.search(line)]

    def wait_for_results(self, count: int, timeout: float = 120) -> bool:
        """Until ``count`` results were printed (True), or the run ended or the time ran out (False)."""
        return self._wait_until(lambda: len(self.result_times()) >= count, timeout)

    def wait_for_line(self, part: str, timeout: float = 120) -> bool:
        """Until a line holding ``part`` was printed (True), or the run ended or the time ran out (False)."""
        return self._wait_until(lambda: any(part in line for _, line in self.lines), timeout)

    def _wait_until(self, printed, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not printed():
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    return False
                self._changed.wait(0.05)
        return True

    def selected(self) -> int:
        """How many tests the run selected (from its ``collected ...`` line; 0 before it)."""
        self.wait_for_line("collected ")
        for _, line in self.lines:
            found = re.search(r"collected (\d+) items?(?: / \d+ deselected / (\d+) selected)?", line)
            if found:
                return int(found.group(2) or found.group(1))
        return 0

    def processes(self) -> list[psutil.Process]:
        """The run and everything it started that is still running (servers, their workers and backends)."""
        try:
            run = psutil.Process(self.process.pid)
            return [run, *run.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def finish(self, timeout: float = 120) -> int:
        """The exit code, once the run and its output have ended."""
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def stop(self) -> None:
        """Kill what is left (a test's own clean-up)."""
        with suppress(ProcessLookupError):
            self.process.kill()
        self.finish(30)


def wait_until_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``processes`` still running after ``timeout`` seconds; a zombie (ended, waiting for whoever
    adopted it to collect it) counts as gone."""
    deadline = time.monotonic() + timeout
    running = list(processes)
    while running:
        running = [process for process in running if not gone(process)]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return running


def phase_of(results_before: int, results_in_all: int) -> str:
    """The phase of a run a moment falls in, by the results printed before it."""
    if results_before == 0:
        return "server start"
    return "mid-scenario" if results_before < results_in_all else "teardown"


def by_provider(providers: dict) -> list:
    """Parameters for each provider; the url provider's take turns (they sweep, or count on no sweep)."""
    return [pytest.param(provider, marks=[TAKES_TURNS] if provider == "url" else []) for provider in providers]


def made_once_for_all_workers(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]
) -> Path:
    """The file ``name``, made by ``make(path)`` once a run: in the directory the run's pytest-xdist workers share,
    by the first worker that asks (the others wait for it, then read it); without workers, in the run's own."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    made = shared / name
    with (shared / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            being_made = shared / f"{name}.being-made"
            make(being_made)
            being_made.rename(made)
    return made
