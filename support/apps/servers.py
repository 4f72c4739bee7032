"""Real web servers in child processes, on a free loopback port, always stopped (and dead with pytest)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from support import scratch
from support.forking import Launcher, tail
from support.processes import gone

READY_TIMEOUT = 20.0
PLAIN_HTTP = {"verify": False}  # loopback http only: no TLS context to build (loading certificates took 28 ms a client)


@dataclass(frozen=True)
class RunningServer:
    name: str
    base_url: str
    log: Path
    process: psutil.Process = field(repr=False, compare=False)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0, **PLAIN_HTTP)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# the applications gunicorn serves, by server kind: the incident's, and the same requests on Flask-SQLAlchemy
GUNICORN_APPS = {
    "gunicorn": "support.apps.flask_hr:app_from_environment()",
    "gunicorn-flask-sqlalchemy": "support.apps.flask_sqlalchemy_hr:app_from_environment()",
}


def server_command(kind: str, port: int, threads: int = 1) -> list[str]:
    """What ``python -m`` runs for a server: the module, then its arguments."""
    if kind in GUNICORN_APPS:  # the incident's server: gunicorn's threaded worker
        return ["gunicorn", "--config", "python:support.apps.gunicorn_hooks",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
                GUNICORN_APPS[kind]]  # fmt: skip
    if kind == "werkzeug":  # Flask's development server: a new thread for every request
        return ["flask", "--app", "support.apps.flask_hr:app_from_environment()", "run",
                "--host", "127.0.0.1", "--port", str(port), "--with-threads", "--no-reload",
                "--no-debugger"]  # fmt: skip
    if kind == "uvicorn":
        return ["uvicorn", "--factory", "support.apps.fastapi_hr:app_from_environment",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    raise ValueError(f"unknown server kind {kind!r}")


@contextmanager
def running_server(
    kind: str, environment: dict[str, str], launcher: Launcher, threads: int = 1, log_dir: Path | None = None
) -> Iterator[RunningServer]:
    port = free_loopback_port()
    log = Path(tempfile.mkstemp(prefix=f"spec-{kind}-", suffix=".log", dir=log_dir)[1])
    process = launcher.start(server_command(kind, port, threads), environment, log)
    server = RunningServer(kind, f"http://127.0.0.1:{port}", log, process)
    try:
        _wait_until_serving(process, server)
        yield server
    finally:
        _stop([process])
        with suppress(OSError):
            log.unlink()


def _stop(processes: list[psutil.Process]) -> None:
    """Each asked to stop (SIGTERM), all at once; those still running after 10 s killed."""
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            process.terminate()
    _, running = psutil.wait_procs(processes, timeout=10)
    for process in running:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(running, timeout=5)


def _wait_until_serving(process: psutil.Process, server: RunningServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if gone(process):
            raise RuntimeError(f"{server.name} exited at start: {tail(server.log)}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/_spec/ready", timeout=1.0, **PLAIN_HTTP).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not serve within {READY_TIMEOUT:.0f} s: {tail(server.log)}")


class ServerRegistry:
    """Servers started once per configuration for the whole run, and all stopped at its end."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._running: dict[tuple, RunningServer] = {}
        self._launcher: Launcher | None = None  # started with the first server
        self._lifetime = ExitStack()
        self._log_dir = scratch.make_owned_directory(scratch.app_logs())
        self._lifetime.callback(shutil.rmtree, self._log_dir, ignore_errors=True)  # after the servers stopped

    def serving(self, kind: str, threads: int = 1, **configuration: bool) -> RunningServer:
        key = (kind, threads, tuple(sorted(configuration.items())))
        if key not in self._running:
            environment = {"HR_DATABASE_URL": self.database_url}
            environment.update({f"HR_{name.upper()}": "1" if on else "0" for name, on in configuration.items()})
            server = running_server(kind, environment, self._started_launcher(), threads, self._log_dir)
            self._running[key] = self._lifetime.enter_context(server)
        server = self._running[key]
        httpx.post(f"{server.base_url}/_spec/reset", timeout=10.0, **PLAIN_HTTP).raise_for_status()
        os.truncate(server.log, 0)  # the scenario reads only what the server logged for it (O_APPEND writers)
        return server

    def _started_launcher(self) -> Launcher:
        if self._launcher is None:
            self._launcher = Launcher("support.apps.launcher", self._log_dir / "launcher.log")
            self._lifetime.callback(self._launcher.close)  # after its servers stopped, before the logs go
        return self._launcher

    def close(self) -> None:
        _stop([server.process for server in self._running.values()])  # all asked to stop at once
        self._lifetime.close()
