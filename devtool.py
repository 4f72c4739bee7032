"""Set up and run the project with nothing but Python 3.11+.

    python3 dev.py spec    run the specification on every SQLAlchemy line, print it as a readable spec, and
                           write the living documentation (site/index.html)
    python3 dev.py test    run all tests: the specification on every line, the support code's own tests
                           (which check the living documentation in a browser), the reliability runs
                           (random order, workers, kills, bad input), and render the site

The first run creates .venv (with uv, nox and ruff) from the project's own files; later runs reuse it.
Extra arguments after the command go to pytest, e.g. ``python3 dev.py spec -- --db=url --db-url=...``.

``dev.py`` is the launcher (it parses on any Python and names the version needed); this module is the work.
.venv is built beside (``.venv.tmp-<pid>``) and renamed into place once its tools are in, under a lock
(``.venv.lock``), so an interrupted or concurrent first run never leaves a half-made .venv behind. Every child
(pip, uv, nox) runs in a process group of its own that dies with this process, even on kill -9; SIGINT, SIGTERM
and SIGHUP are passed on to that group, and once it has ended the run ends in one line.
"""

from __future__ import annotations

import ast
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
BUILDS = ".venv.tmp-"  # a .venv being built (or one being replaced), beside the real one
BUILD_LOCK = ROOT / ".venv.lock"
TOOLS_STAMP_NAME = ".tools-installed"  # written last: a .venv without it is half-made
SESSIONS_STAMP = ROOT / ".nox" / ".installed"  # the nox environments hold what pyproject and constraints ask for
SOURCES = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STRAGGLERS_GRACE = 60  # seconds an interrupted run waits for pytest to tear down after nox has ended

# Leads each child's process group and outlives nothing: when the pipe from dev.py closes (dev.py ended, even by
# kill -9), it sends SIGTERM to the group (nox ends; pytest tears down as on Ctrl-C) and exits.
GROUP_WATCHER = """
import os, signal
for forwarded in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(forwarded, signal.SIG_IGN)
while os.read(0, 1):
    pass
os.killpg(0, signal.SIGTERM)
"""


class Interrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class Children:
    """The process groups this run started, and the first signal it was sent (passed on to each group)."""

    def __init__(self) -> None:
        self.groups: dict[int, int | None] = {}  # group -> what every signal is passed on as (None: itself)
        self.received: int | None = None

    def forward(self, signum: int, _frame) -> None:
        self.received = self.received or signum
        if not self.groups:  # nothing to wait for (e.g. waiting for the build lock): stop here
            raise Interrupted(signum)
        for group in list(self.groups):
            self._signal(group, signum)

    def _signal(self, group: int, signum: int) -> None:
        # a hang-up is passed on as SIGTERM, which pytest handles as Ctrl-C (SIGHUP would end it without teardown)
        with suppress(ProcessLookupError):
            os.killpg(group, self.groups.get(group) or (signal.SIGTERM if signum == signal.SIGHUP else signum))

    def start(self, command: list[str], passed_on_as: int | None = None, **options):
        """``command`` in a new process group led by a watcher that ends the group when this process ends; a signal
        this process gets is passed on to the group as itself, or as ``passed_on_as``."""
        self.stop_if_interrupted()
        read_end, write_end = os.pipe()  # the write end stays in this process only (not inheritable)
        watcher = subprocess.Popen(
            [sys.executable, "-c", GROUP_WATCHER],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        os.close(read_end)
        self.groups[watcher.pid] = passed_on_as
        try:
            process = subprocess.Popen(command, process_group=watcher.pid, **options)
        except BaseException:
            os.close(write_end)
            raise
        process.watcher_pipe = write_end
        if self.received:  # it came while the group was being made
            self._signal(watcher.pid, self.received)
        return process, watcher

    def wait(self, process: subprocess.Popen, watcher: subprocess.Popen) -> int:
        """``process``'s exit code; when interrupted, once the rest of its group (pytest) has ended too."""
        code = process.wait()
        if self.received:
            deadline = time.monotonic() + STRAGGLERS_GRACE
            while group_members(watcher.pid) - {watcher.pid} and time.monotonic() < deadline:
                time.sleep(0.05)
        os.close(process.watcher_pipe)  # the watcher ends what is left of the group, then itself
        watcher.wait()
        self.groups.pop(watcher.pid, None)
        return code

    def run(self, command: list[str | Path], **options) -> int:
        code = self.wait(*self.start([str(part) for part in command], cwd=ROOT, **options))
        self.stop_if_interrupted()
        return code

    def stop_if_interrupted(self) -> None:
        if self.received:
            raise Interrupted(self.received)


def group_members(group: int) -> set[int]:
    """The live processes of process group ``group`` (from /proc; zombies left out)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, _parent, process_group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue  # ended meanwhile
            if int(process_group) == group and state != "Z":
                members.add(int(entry.name))
    return members


CHILDREN = Children()


def run(*command: str | Path, **options) -> None:
    """A step of building .venv: stopped by SIGTERM whatever this process got (pip prints no KeyboardInterrupt
    traceback), since the half-built .venv goes anyway."""
    code = CHILDREN.run(list(command), passed_on_as=signal.SIGTERM, **options)
    if code:
        sys.exit(code)


# --- .venv --------------------------------------------------------------------------------------------------


def missing_from(environment: Path) -> str | None:
    """What makes ``environment`` a half-made .venv, or None when it is whole."""
    if not (environment / "bin" / "python").exists():
        return "bin/python"
    if not list(environment.glob("lib/python3*/site-packages/pip")):
        return "pip"
    if not (environment / TOOLS_STAMP_NAME).exists():
        return f"the stamp {TOOLS_STAMP_NAME} its last step writes"
    return None


def tools_current() -> bool:
    stamp = VENV / TOOLS_STAMP_NAME
    return missing_from(VENV) is None and all(s.stat().st_mtime <= stamp.stat().st_mtime for s in SOURCES)


@contextmanager
def build_lock() -> Iterator[None]:
    """Held while .venv is built or updated: a second first run waits, then finds it built."""
    with BUILD_LOCK.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another dev.py to finish building {VENV.name} ...", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_tools() -> None:
    """A virtual environment holding the tools that drive the matrix (nox with uv, ruff)."""
    if tools_current():
        return
    with build_lock():
        for leftover in ROOT.glob(f"{BUILDS}*"):  # a build that was killed: under the lock, nobody else's
            shutil.rmtree(leftover, ignore_errors=True)
        if tools_current():
            return
        if missing_from(VENV) is None:  # whole, but pyproject.toml or constraints.txt changed since
            install_tools(VENV)
            return
        if VENV.exists() or VENV.is_symlink():
            print(f"{VENV.name} is half-made (no {missing_from(VENV)}): building it again", flush=True)
        build = ROOT / f"{BUILDS}{os.getpid()}"
        try:
            print(f"creating {VENV.name} ...", flush=True)
            venv.EnvBuilder(with_pip=False).create(build)
            scratch = build / "tmp"  # pip's and ensurepip's temporary files: they go with the build
            scratch.mkdir()
            env = os.environ | {"TMPDIR": str(scratch)}
            run(build / "bin" / "python", "-m", "ensurepip", "--default-pip", env=env, stdout=subprocess.DEVNULL)
            install_tools(build, env=env)
            shutil.rmtree(scratch)
            moved_in(build)
        finally:
            shutil.rmtree(build, ignore_errors=True)


def install_tools(environment: Path, env: dict[str, str] | None = None) -> None:
    python = environment / "bin" / "python"
    quietly = ["--quiet", "--disable-pip-version-check"]
    run(python, "-m", "pip", "install", *quietly, "-c", "constraints.txt", "uv", env=env)
    run(environment / "bin" / "uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", python,
        "-c", "constraints.txt", "nox", "ruff", env=env)  # fmt: skip
    (environment / TOOLS_STAMP_NAME).touch()


def moved_in(build: Path) -> None:
    """``build`` becomes .venv: its scripts name .venv, then one rename (a half-made .venv is moved away first)."""
    for path in [*(build / "bin").iterdir(), build / "pyvenv.cfg"]:
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            if str(build).encode() in content:  # a script's #! line, activate's VIRTUAL_ENV
                path.write_bytes(content.replace(str(build).encode(), str(VENV).encode()))
    if VENV.exists() or VENV.is_symlink():
        VENV.rename(ROOT / f"{BUILDS}{os.getpid()}-replaced")
    build.rename(VENV)
    shutil.rmtree(ROOT / f"{BUILDS}{os.getpid()}-replaced", ignore_errors=True)


# --- nox ----------------------------------------------------------------------------------------------------


SESSION_SOURCES = [*SOURCES, ROOT / "noxfile.py", *ROOT.glob("*/pyproject.toml")]  # the take-home distributions too


def sessions_current() -> bool:
    """Whether the nox environments were installed since what they install (the projects' pyproject.toml files,
    constraints.txt, noxfile.py) last changed."""
    stamp = SESSIONS_STAMP.stat().st_mtime if SESSIONS_STAMP.exists() else None
    return stamp is not None and all(source.stat().st_mtime <= stamp for source in SESSION_SOURCES)


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
        try:
            for sessions in session_groups:
                output = outputs.enter_context(tempfile.TemporaryFile()) if len(session_groups) > 1 else None
                redirected = {"stdout": output, "stderr": subprocess.STDOUT} if output else {}
                command = [*nox_command, "--sessions", *sessions, "--", *pytest_arguments]
                running.append((CHILDREN.start(command, cwd=ROOT, **redirected), output))
        finally:  # interrupted while starting them too: those started are waited for, and shown
            for (process, watcher), output in running:
                codes.append(CHILDREN.wait(process, watcher))
                if output:
                    output.seek(0)
                    shutil.copyfileobj(output, sys.stdout.buffer)
                    sys.stdout.flush()
    CHILDREN.stop_if_interrupted()
    failed = next((code for code in codes if code), 0)
    if failed:
        sys.exit(failed)


def sqlalchemy_lines() -> list[str]:
    """The lines noxfile.py's SQLALCHEMY_LINES names (read, not imported: nox is in .venv, not in this Python)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SQLALCHEMY_LINES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("noxfile.py names no SQLALCHEMY_LINES")


def commands(arguments: list[str]) -> None:
    if not arguments or arguments[0] not in ("spec", "test"):
        sys.exit(__doc__.split("\n\n``dev.py``")[0])
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
    CHILDREN.stop_if_interrupted()  # it came between two children


def main(arguments: list[str]) -> None:
    for forwarded in FORWARDED:
        signal.signal(forwarded, CHILDREN.forward)
    try:
        commands(arguments)
    except (Interrupted, KeyboardInterrupt) as interrupted:
        signum = interrupted.signum if isinstance(interrupted, Interrupted) else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"dev.py: stopped by {name}; what ran was told and has ended (a half-built .venv is removed)",
              file=sys.stderr, flush=True)  # fmt: skip
        sys.exit(128 + signum)
