"""Launchers: one Python that has imported what its children need, then forks each child on request, as
``python -m <module> <arguments>`` would have run it. A child then costs a fork, not a new interpreter importing
SQLAlchemy, the drivers, Flask and pytest again (about half a second of CPU each).

A request is one JSON line on the launcher's standard input: ``module``, ``arguments``, ``environment`` (added to
the launcher's, or the whole of it with ``replace_environment``), ``log`` (the child's stdout, and its stderr
unless an ``error_log`` is given), and an optional ``directory`` to run in. The answer is the child's pid on one
line; a launcher that ``waits`` for each child (one at a time) then answers its exit code on the next. The
parent-death chain is unbroken: a launcher dies with the process that started it (SIGKILL), each child with its
launcher. A launcher ends at the end of its input.
"""

from __future__ import annotations

import json
import os
import runpy
import select
import signal
import subprocess
import sys
import traceback
from contextlib import suppress
from pathlib import Path
from typing import NoReturn

import psutil

from support.processes import die_with_parent

ROOT = Path(__file__).resolve().parent.parent


def serve(waits: bool) -> None:
    """The launcher's loop, in the launcher process, once its imports are done."""
    launcher = os.getpid()
    if not waits:
        signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for pytest and the children; this one ends with pytest
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()  # from the main thread, the only one: a child's parent-death signal follows this process
        if pid == 0:
            _become(request, launcher)
        print(pid, flush=True)
        if waits:
            print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)


def _reap(signum: int, frame) -> None:
    """Ended children are waited for at once (not left to the kernel: their CPU time then counts in ours)."""
    with suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _become(request: dict, launcher: int) -> NoReturn:
    """In the forked child: become what ``python -m <module> <arguments>`` would have started."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        die_with_parent(signal.SIGKILL, parent_pid=launcher)()
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(log, 1)
        os.dup2(os.open(request["error_log"], os.O_WRONLY | os.O_APPEND) if "error_log" in request else log, 2)
        if request.get("replace_environment"):
            os.environ.clear()
        os.environ.update(request["environment"])
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        if request.get("directory"):
            os.chdir(request["directory"])
            sys.path[0] = request["directory"]  # as python -m puts its working directory first
        sys.path[1:1] = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
        sys.argv = [request["module"], *request["arguments"]]  # runpy puts the module's path first, as python -m
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Launcher:
    """The client of a launcher started as ``python -m <module>`` (a module that imports what its children need,
    then calls ``serve``). It dies with this process (SIGKILL, even when this one dies by SIGKILL)."""

    def __init__(self, module: str, log: Path):
        self.log = log
        with open(log, "wb") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                bufsize=0,  # unbuffered: a line read never takes the next one from under select()
                preexec_fn=die_with_parent(signal.SIGKILL),
            )

    def start(self, command: list[str], environment: dict[str, str], log: Path, **options) -> psutil.Process:
        """A child forked from the launcher, as ``python -m`` would run ``command``; its output goes to ``log``.
        ``options``: ``directory`` to run in; ``replace_environment``, when ``environment`` is the whole of it."""
        pid = self._request(command, environment, log, **options)
        try:
            return psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise RuntimeError(f"{command[0]} exited at start: {tail(log)}") from None

    def run(self, command: list[str], environment: dict[str, str], log: Path, timeout: float, **options) -> int:
        """The exit code of a child of a launcher that waits, run as ``start`` runs it; killed first when it runs
        over ``timeout`` s. (A child may have ended and been waited for before its pid is read: it is never looked
        up, only signalled, and its exit code is always read, so the answers stay in step with the requests.)"""
        pid = self._request(command, environment, log, **options)
        over_time = not select.select([self.process.stdout], [], [], timeout)[0]
        if over_time:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        code = self._answer()
        if over_time:
            raise TimeoutError(f"{command[0]} ran over {timeout} s and was killed")
        return code

    def _request(self, command: list[str], environment: dict[str, str], log: Path, **options) -> int:
        module, *arguments = command
        request = {"module": module, "arguments": arguments, "environment": environment, "log": str(log), **options}
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
        except OSError:
            raise RuntimeError(f"the launcher {self.process.args[-1]} ended: {tail(self.log)}") from None
        return self._answer()

    def _answer(self) -> int:
        """The launcher's next line: a pid, or a waited child's exit code."""
        answer = self.process.stdout.readline()  # unbuffered: never more than the line
        try:
            return int(answer)
        except ValueError:
            raise RuntimeError(f"the launcher {self.process.args[-1]} ended: {tail(self.log)}") from None

    def close(self) -> None:
        """Ends at the end of its input (its children were stopped before), and is waited for."""
        with suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process.stdout.close()


def tail(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
