#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 dev.py spec    run the specification on every SQLAlchemy line, print it as a readable spec, and
                           write the living documentation (site/index.html)
    python3 dev.py test    run all tests: the specification on every line, the support code's own tests
                           (which check the living documentation in a browser), the reliability runs
                           (random order, workers, kills, bad input), and render the site

The first run creates .venv (with uv, nox and ruff) from the project's own files; later runs reuse it.
Extra arguments after the command go to pytest, e.g. ``python3 dev.py spec -- --db=url --db-url=...``.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

# First, in the syntax of Python 3.6 (no `from __future__ import annotations`, nothing evaluated before it that an
# older Python lacks): an older Python gets this line, not a SyntaxError or a TypeError.
if sys.version_info < (3, 11):  # noqa: UP036 (dev.py is what tells an older Python)
    sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}: run dev.py with python3.11+")

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
TOOLS_STAMP = VENV / ".tools-installed"
SESSIONS_STAMP = ROOT / ".nox" / ".installed"  # the nox environments hold what pyproject and constraints ask for


def run(*command: str | Path) -> None:
    completed = subprocess.run([str(part) for part in command], cwd=ROOT)
    if completed.returncode:
        sys.exit(completed.returncode)


def ensure_tools() -> None:
    """A virtual environment holding the tools that drive the matrix (nox with uv, ruff)."""
    sources = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    if TOOLS_STAMP.exists() and all(source.stat().st_mtime <= TOOLS_STAMP.stat().st_mtime for source in sources):
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt", "uv")
    run(
        BIN / "uv",
        "pip",
        "install",
        "--quiet",
        "--compile-bytecode",
        "--python",
        BIN / "python",
        "-c",
        "constraints.txt",
        "nox",
        "ruff",
    )
    TOOLS_STAMP.touch()


def nox(*arguments: str) -> None:
    """Run nox sessions; reused environments skip their installs unless the project's requirements changed."""
    environment_path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["PATH"] = environment_path
    sources = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    current = SESSIONS_STAMP.exists() and all(s.stat().st_mtime <= SESSIONS_STAMP.stat().st_mtime for s in sources)
    completed = subprocess.run(
        [str(BIN / "nox"), "--noxfile", str(ROOT / "noxfile.py"), *(["--no-install"] if current else []), *arguments],
        cwd=ROOT,
    )
    if not current and completed.returncode == 0:
        SESSIONS_STAMP.parent.mkdir(exist_ok=True)
        SESSIONS_STAMP.touch()
    if completed.returncode:
        sys.exit(completed.returncode)


def main(arguments: list[str]) -> None:
    if not arguments or arguments[0] not in ("spec", "test"):
        sys.exit(__doc__)
    command, pytest_arguments = arguments[0], arguments[1:]
    if pytest_arguments[:1] == ["--"]:
        pytest_arguments = pytest_arguments[1:]
    ensure_tools()
    readable = ["--gherkin-terminal-reporter", "-vv", "-p", "no:randomly"]
    if command == "spec":
        nox("--sessions", "spec", "docs", "--", *readable, *pytest_arguments)
        print(f"living documentation: {ROOT / 'site' / 'index.html'}")
    else:
        nox("--sessions", "spec", "tests", "reliability", "docs", "--", *pytest_arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
