"""Real web servers in child processes, on a free loopback port, always stopped (and dead with pytest)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from support import scratch
from support.processes import die_with_parent

ROOT = Path(__file__).resolve().parent.parent.parent
READY_TIMEOUT = 20.0
PLAIN_HTTP = {"verify": False}  # loopback http only: no TLS context to build (loading certificates took 28 ms a client)


@dataclass(frozen=True)
class RunningServer:
    name: str
    base_url: str
    log: Path
    process: subprocess.Popen = field(repr=False, compare=False)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0, **PLAIN_HTTP)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(kind: str, port: int, threads: int = 1) -> list[str]:
    python = sys.executable
    if kind == "gunicorn":  # the incident's server: gunicorn's threaded worker
        return [python, "-m", "gunicorn", "--config", "python:support.apps.gunicorn_hooks",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
                "support.apps.flask_hr:app_from_environment()"]  # fmt: skip
    if kind == "werkzeug":  # Flask's development server: a new thread for every request
        return [python, "-m", "flask", "--app", "support.apps.flask_hr:app_from_environment()", "run",
                "--host", "127.0.0.1", "--port", str(port), "--with-threads", "--no-reload",
                "--no-debugger"]  # fmt: skip
    if kind == "uvicorn":
        return [python, "-m", "uvicorn", "--factory", "support.apps.fastapi_hr:app_from_environment",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    raise ValueError(f"unknown server kind {kind!r}")


@contextmanager
def running_server(
    kind: str, environment: dict[str, str], threads: int = 1, log_dir: Path | None = None
) -> Iterator[RunningServer]:
    port = free_loopback_port()
    log = Path(tempfile.mkstemp(prefix=f"spec-{kind}-", suffix=".log", dir=log_dir)[1])
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            server_command(kind, port, threads),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # killed outright when pytest dies: a graceful stop would wait for requests that may never end
            preexec_fn=die_with_parent(signal.SIGKILL),
        )
    server = RunningServer(kind, f"http://127.0.0.1:{port}", log, process)
    try:
        _wait_until_serving(process, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        with suppress(OSError):
            log.unlink()


def _wait_until_serving(process: subprocess.Popen, server: RunningServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start: {_tail(server.log)}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/_spec/ready", timeout=1.0, **PLAIN_HTTP).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not serve within {READY_TIMEOUT:.0f} s: {_tail(server.log)}")


def _tail(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class ServerRegistry:
    """Servers started once per configuration for the whole run, and all stopped at its end."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._running: dict[tuple, RunningServer] = {}
        self._lifetime = ExitStack()
        self._log_dir = scratch.make_owned_directory(scratch.app_logs())
        self._lifetime.callback(shutil.rmtree, self._log_dir, ignore_errors=True)  # after the servers stopped

    def serving(self, kind: str, threads: int = 1, **configuration: bool) -> RunningServer:
        key = (kind, threads, tuple(sorted(configuration.items())))
        if key not in self._running:
            environment = {"HR_DATABASE_URL": self.database_url}
            environment.update({f"HR_{name.upper()}": "1" if on else "0" for name, on in configuration.items()})
            self._running[key] = self._lifetime.enter_context(running_server(kind, environment, threads, self._log_dir))
        server = self._running[key]
        httpx.post(f"{server.base_url}/_spec/reset", timeout=10.0, **PLAIN_HTTP).raise_for_status()
        return server

    def close(self) -> None:
        for server in self._running.values():  # all asked to stop at once, then each waited for
            server.process.terminate()
        self._lifetime.close()
