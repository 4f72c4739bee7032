"""Child runs that start warm: each run (``python -m pytest`` of a child test project, ``python -m flake8`` of the
lint's modules) is a process of its own, forked by a launcher (``support.forking``) that has already imported what
every run imports (SQLAlchemy, the drivers, Flask, waitress, pytest's core, flake8), instead of a new interpreter
importing them again. Several features run a child per scenario, and most of such a run was its imports.

pytest's plugins are left to each run: pytest rewrites the asserts of every installed plugin's modules, which it
can only do for a module it imports itself (one imported before warns ``Module already imported so cannot be
rewritten``). All a run changes (directory, environment, ``sys.path``) dies with its process.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from support import scratch
from support.forking import Launcher

# imported once, in the launcher; none is a pytest plugin or part of one
PRELOADED = ("sqlalchemy.orm", "sqlalchemy.ext.asyncio", "psycopg2", "asyncpg", "flask", "waitress", "pytest",
             "_pytest.python", "_pytest.fixtures", "_pytest.terminal", "_pytest.assertion.rewrite",
             "flake8.main.application", "flake8.checker", "flake8_session_boundary")  # fmt: skip
# the plugins of the spec's own environment that no client project of ours uses, left out of a client project's
# pytest run: a client's project has no Gherkin, random order, workers or anyio, and each plugin left in is
# imported, and its modules' asserts rewritten, by every run again
CLIENT_RUN_PLUGINS_OFF = ("pytest-bdd", "randomly", "xdist", "xdist.looponfail", "anyio", "platformdirs",
                          "cacheprovider")  # fmt: skip
_launcher: Launcher | None = None
_outputs: Path | None = None


@dataclass(frozen=True)
class ChildRun:
    output: str  # stdout, and stderr interleaved as written unless asked apart
    errors: str  # stderr, when asked apart
    exit_code: int


def run_module(
    module: str, arguments: list[str], directory: Path, timeout: float, environment: dict[str, str] | None = None,
    errors_apart: bool = False,
) -> ChildRun:  # fmt: skip
    """``python -m module *arguments`` in ``directory`` with exactly ``environment`` (this process's when None);
    killed after ``timeout`` s."""
    launcher, outputs = _started_launcher()
    output, errors = outputs / "output", outputs / "errors"
    output.write_bytes(b"")
    options = {"directory": str(directory), "replace_environment": True}
    if errors_apart:
        errors.write_bytes(b"")
        options["error_log"] = str(errors)
    exit_code = launcher.run([module, *arguments], dict(os.environ if environment is None else environment), output,
                             timeout, **options)  # fmt: skip
    return ChildRun(_read(output), _read(errors) if errors_apart else "", exit_code)


def run_client_pytest(arguments: list[str], directory: Path, environment: dict[str, str]) -> ChildRun:
    """``python -m pytest *arguments`` in a client project's ``directory``, as a client's own environment would run
    it (``CLIENT_RUN_PLUGINS_OFF`` left out)."""
    plugins_off = [option for plugin in CLIENT_RUN_PLUGINS_OFF for option in ("-p", f"no:{plugin}")]
    return run_module("pytest", [*plugins_off, *arguments], directory, timeout=300, environment=environment)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _started_launcher() -> tuple[Launcher, Path]:
    """One launcher per process, started at its first run and waited for at its exit (so the runs' CPU time
    counts in this process's children), and the run directory its runs print into (removed at exit; a killed
    process's is swept by the next)."""
    global _launcher, _outputs
    if _launcher is None:
        parent = scratch.child_runs()
        scratch.sweep_dead_owners(parent)
        _outputs = scratch.make_owned_directory(parent)
        _launcher = Launcher("support.warm_runs", _outputs / "launcher.log")
        atexit.register(shutil.rmtree, _outputs, ignore_errors=True)
        atexit.register(_launcher.close)  # first: atexit runs last in, first out
    return _launcher, _outputs


if __name__ == "__main__":
    from support import forking

    for module in PRELOADED:
        with suppress(ImportError):  # what this environment lacks: its runs import what they need
            importlib.import_module(module)
    forking.serve(waits=True)
