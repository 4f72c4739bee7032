"""The take-home plugin (``plugin/``) as a user gets it: built from a copy of its folder, installed into fresh
virtual environments with uv beside a sample project's own dependencies, and the sample's own pytest run there
against a database made for the run; afterwards another connection counts what the sample's tables still hold."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, table
from sqlalchemy import func as sql_functions
from sqlalchemy import select as sql_select
from sqlalchemy.pool import NullPool

from tests.helpers.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugin"
SAMPLE_PINS = ROOT / "tests" / "samples" / "constraints.txt"
DISTRIBUTION = "pytest-sqlalchemy-session-spec"
BUILD_LEFTOVERS = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache")


def uv_binary() -> str:
    """The uv of the running environment (a nox session's), else the project's own .venv's."""
    for candidate in (Path(sys.executable).parent / "uv", ROOT / ".venv" / "bin" / "uv"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is not installed: run `python3 dev.py test` once, it installs it in .venv")
    return found


def _uv_environment() -> dict[str, str]:
    """uv's environment without the calling session's: no byte-compiling every package (imports do what they need)."""
    environment = {name: value for name, value in os.environ.items() if name not in ("VIRTUAL_ENV", "UV_PYTHON")}
    environment.pop("UV_COMPILE_BYTECODE", None)
    return environment


def uv(*arguments: str | Path, timeout: float = 600) -> str:
    """Run uv; its output, or an error naming the command and the end of what it said."""
    command = [uv_binary(), *map(str, arguments)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_uv_environment())
    if completed.returncode:
        said = (completed.stdout + completed.stderr).strip().splitlines()[-15:]
        raise RuntimeError(f"`uv {' '.join(map(str, arguments))}` failed:\n" + "\n".join(said))
    return completed.stdout


def plugin_copy(directory: Path) -> Path:
    """A copy of plugin/ (its source only), so that building it writes nothing into the repository."""
    if not (PLUGIN / "pyproject.toml").exists():
        raise RuntimeError(f"{PLUGIN} has no pyproject.toml: the take-home plugin is not in this checkout")
    return Path(shutil.copytree(PLUGIN, directory / "plugin", ignore=BUILD_LEFTOVERS))


def plugin_wheel(directory: Path) -> Path:
    """The plugin's wheel, built once from a copy of plugin/."""
    uv("build", "--quiet", "--wheel", "--out-dir", directory / "dist", plugin_copy(directory))
    (wheel,) = (directory / "dist").glob("*.whl")
    return wheel


CASE_PICKS = ("pytest", "pytest-asyncio", "sqlalchemy")  # the lines each case asks for itself


def tested_versions(directory: Path) -> Path:
    """The project's tested versions (constraints.txt and the samples' own), less what each case picks."""
    pins = [*(ROOT / "constraints.txt").read_text().splitlines(), *SAMPLE_PINS.read_text().splitlines()]
    kept = [pin for pin in pins if pin and not pin.startswith("#") and pin.split("==")[0].lower() not in CASE_PICKS]
    constraints = directory.parent / f"{directory.name}-constraints.txt"
    constraints.write_text("\n".join(kept) + "\n")
    return constraints


def fresh_venv(directory: Path, *requirements: str | Path) -> Path:
    """A new virtual environment (the running Python's version) holding ``requirements`` at the tested versions;
    its python."""
    uv("venv", "--quiet", "--python", sys.executable, directory)
    python = directory / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", python, "-c", tested_versions(directory), *requirements)
    return python


def installed(python: Path) -> dict[str, str]:
    """Distribution name (normalised, lower case) -> version, in the environment of ``python``."""
    listing = json.loads(uv("pip", "list", "--format", "json", "--python", python))
    return {package["name"].lower().replace("_", "-"): package["version"] for package in listing}


@dataclass(frozen=True)
class SampleCase:
    """One sample project on one SQLAlchemy line under one pytest line."""

    sample: str
    sqlalchemy: str  # "1.4", "2.0", "2.1"
    pytest: str  # "7.4", "8", "9"

    def __str__(self) -> str:
        return f"{self.sample}-sqlalchemy{self.sqlalchemy}-pytest{self.pytest}"

    @property
    def project(self) -> Path:
        return SAMPLES / self.sample

    def requirements(self, wheel: Path) -> list[str]:
        """The plugin's wheel and the sample's own dependencies (its pyproject's, with the ``test`` extra), pinned
        to this case's lines; the plugin's name in that extra is satisfied by the wheel."""
        pins = [f"sqlalchemy=={self.sqlalchemy}.*", f"pytest=={self.pytest}.*"]
        return [str(wheel), "-r", str(self.project / "pyproject.toml"), "--extra", "test", *pins]


@dataclass
class SampleRun:
    """What one run of a sample's own pytest did, and what its database held afterwards."""

    exit_code: int
    output: str
    counts: dict[str, int]  # junit: tests, failures, errors, skipped
    seconds: float  # the whole process
    test_seconds: float  # junit's total of the tests' setup, call and teardown
    leftovers: dict[str, int] | None = None  # table -> rows, counted over another connection

    def describe(self) -> str:
        return f"exit {self.exit_code}, {self.counts}; its output ends:\n" + "\n".join(self.output.splitlines()[-40:])


def run_sample(
    python: Path, project: Path, workdir: Path, sync_url: str, async_url: str, *pytest_options: str
) -> SampleRun:
    """The sample's own pytest in ``python``'s environment, on a copy of ``project``, with only the variables a
    project's shell would have and the two database URLs."""
    copy = Path(shutil.copytree(project, workdir / project.name, ignore=BUILD_LEFTOVERS))
    report = workdir / "junit.xml"
    environment = {
        "PATH": f"{python.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        "SAMPLE_DATABASE_URL": sync_url,
        "SAMPLE_ASYNC_DATABASE_URL": async_url,
    }
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *pytest_options]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=copy, env=environment, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    seconds = time.monotonic() - started
    counts, test_seconds = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}, 0.0
    if report.exists():
        suite = ElementTree.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        counts = {name: int(suite.get(name, 0)) for name in counts}
        test_seconds = sum(float(case.get("time", 0)) for case in suite.iter("testcase"))
    return SampleRun(completed.returncode, completed.stdout + completed.stderr, counts, seconds, test_seconds)


def rows_left(sync_url: str) -> dict[str, int]:
    """Every table of the database and its number of rows, read over a connection of its own."""
    engine = create_engine(sync_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            count = sql_functions.count()
            return {name: connection.scalar(sql_select(count).select_from(table(name))) for name in names}
    finally:
        engine.dispose()
