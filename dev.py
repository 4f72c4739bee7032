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

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from contextlib import ExitStack
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


def sessions_current() -> bool:
    """Whether the nox environments were installed since pyproject.toml and constraints.txt last changed."""
    sources = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    return SESSIONS_STAMP.exists() and all(s.stat().st_mtime <= SESSIONS_STAMP.stat().st_mtime for s in sources)


def nox_at_once(*session_groups: list[str], pytest_arguments: list[str], install: bool) -> None:
    """Each group of nox sessions in a process of its own, all at once. Their output is kept apart and printed
    whole, group after group in the order given, each as soon as it and those before it have ended (a group alone
    prints as it goes). Without ``install``, reused environments skip their installs."""
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    nox_command = [str(BIN / "nox"), "--noxfile", str(ROOT / "noxfile.py"), *([] if install else ["--no-install"])]
    if len(session_groups) > 1:
        print(f"running {', '.join(' '.join(group) for group in session_groups)} at once; each one's output "
              "follows when it has ended", flush=True)  # fmt: skip
    codes = []
    with ExitStack() as outputs:
        running = []
        for sessions in session_groups:
            output = outputs.enter_context(tempfile.TemporaryFile()) if len(session_groups) > 1 else None
            redirected = {"stdout": output, "stderr": subprocess.STDOUT} if output else {}
            command = [*nox_command, "--sessions", *sessions, "--", *pytest_arguments]
            running.append((subprocess.Popen(command, cwd=ROOT, **redirected), output))
        for process, output in running:
            codes.append(process.wait())
            if output:
                output.seek(0)
                shutil.copyfileobj(output, sys.stdout.buffer)
                sys.stdout.flush()
    failed = next((code for code in codes if code), 0)
    if failed:
        sys.exit(failed)


def main(arguments: list[str]) -> None:
    if not arguments or arguments[0] not in ("spec", "test"):
        sys.exit(__doc__)
    command, pytest_arguments = arguments[0], arguments[1:]
    if pytest_arguments[:1] == ["--"]:
        pytest_arguments = pytest_arguments[1:]
    ensure_tools()
    lines = [[f"spec({line})"] for line in sqlalchemy_lines()]
    install = not sessions_current()
    if command == "spec":
        readable = ["--gherkin-terminal-reporter", "-vv", "-p", "no:randomly"]
        nox_at_once(*lines, pytest_arguments=[*readable, *pytest_arguments], install=install)
        nox_at_once(["docs"], pytest_arguments=[], install=install)
        print(f"living documentation: {ROOT / 'site' / 'index.html'}")
    else:
        # the reliability runs check that nothing writes to the repository: they start once the others are done
        nox_at_once(*lines, ["tests"], pytest_arguments=pytest_arguments, install=install)
        nox_at_once(["docs"], pytest_arguments=[], install=install)
        nox_at_once(["reliability"], pytest_arguments=pytest_arguments, install=install)
    if install:
        SESSIONS_STAMP.parent.mkdir(exist_ok=True)
        SESSIONS_STAMP.touch()


def sqlalchemy_lines() -> list[str]:
    """The lines noxfile.py's SQLALCHEMY_LINES names (read, not imported: nox is in .venv, not in this Python)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SQLALCHEMY_LINES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("noxfile.py names no SQLALCHEMY_LINES")


if __name__ == "__main__":
    main(sys.argv[1:])
