"""Set up and run the project with nothing but Python 3.11+.

    python3 dev.py spec    run the specification on every SQLAlchemy line, on PostgreSQL, then on SQLite, then on
                           MariaDB where its server binaries are installed (or SPEC_MARIADB_URL names a server),
                           print it as a readable spec, and write the living documentation (site/index.html)
    python3 dev.py test    run all tests: the specification on every line, the support code's own tests
                           (which check the living documentation in a browser), the take-home samples, the
                           reliability runs (random order, workers, kills, bad input), and render the site

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
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


@dataclass(frozen=True)
class NoxRun:
    """Nox sessions run by one nox process, once the runs it comes ``after`` (their indices) have passed."""

    sessions: list[str]
    after: tuple[int, ...] = ()
    pytest_arguments: tuple[str, ...] = ()


def nox_at_once(*session_groups: list[str], pytest_arguments: list[str], install: bool) -> None:
    """Each group of nox sessions in a process of its own, all at once (see ``nox_runs``)."""
    nox_runs([NoxRun(group, pytest_arguments=tuple(pytest_arguments)) for group in session_groups], install=install)


def nox_runs(runs: list[NoxRun], install: bool) -> None:
    """Each run in a nox process of its own, started as soon as the runs it comes after have passed (a run after one
    that failed is not started). Their output is kept apart and printed whole, run after run in the order given,
    each as soon as it and those before it have ended (a run alone prints as it goes). Without ``install``, reused
    environments skip their installs. Ends with the first failed run's code."""
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    nox_command = [str(BIN / "nox"), "--noxfile", str(ROOT / "noxfile.py"), *([] if install else ["--no-install"])]
    if len(runs) > 1:
        print(f"running {described(runs)}; each one's output follows when it has ended", flush=True)
    codes: dict[int, int] = {}
    with ExitStack() as outputs:
        running: dict[int, tuple[subprocess.Popen, subprocess.Popen, IO[bytes] | None]] = {}
        shown = 0

        def show_those_ended() -> int:
            ended = shown
            while ended < len(runs) and ended in codes:
                output = running[ended][2] if ended in running else None
                if output:
                    output.seek(0)
                    shutil.copyfileobj(output, sys.stdout.buffer)
                    sys.stdout.flush()
                ended += 1
            return ended

        try:
            while len(codes) < len(runs):
                for index, nox_run in enumerate(runs):
                    if index in codes or index in running:
                        continue
                    failed_before = [codes[before] for before in nox_run.after if codes.get(before, 0)]
                    if failed_before:
                        codes[index] = failed_before[0]  # not started
                    elif all(before in codes for before in nox_run.after):
                        output = outputs.enter_context(tempfile.TemporaryFile()) if len(runs) > 1 else None
                        redirected = {"stdout": output, "stderr": subprocess.STDOUT} if output else {}
                        command = [*nox_command, "--sessions", *nox_run.sessions, "--", *nox_run.pytest_arguments]
                        running[index] = (*CHILDREN.start(command, cwd=ROOT, **redirected), output)
                for index, (process, watcher, _) in running.items():
                    if index not in codes and process.poll() is not None:
                        codes[index] = CHILDREN.wait(process, watcher)
                shown = show_those_ended()
                time.sleep(0.05)
        finally:  # interrupted too: those started are waited for, and shown
            for index, (process, watcher, _) in running.items():
                if index not in codes:
                    codes[index] = CHILDREN.wait(process, watcher)
            for index in range(len(runs)):
                codes.setdefault(index, 0)  # never started: nothing to show
            show_those_ended()
    CHILDREN.stop_if_interrupted()
    failed = next((codes[index] for index in range(len(runs)) if codes[index]), 0)
    if failed:
        sys.exit(failed)


def described(runs: list[NoxRun]) -> str:
    """``spec(1.4), tests at once, then docs after spec(1.4), ...``: what runs at once and what waits."""
    names = [" ".join(nox_run.sessions) for nox_run in runs]
    first = [name for nox_run, name in zip(runs, names, strict=True) if not nox_run.after]
    later = [
        f"{name} once {', '.join(names[before] for before in nox_run.after)} passed"
        for nox_run, name in zip(runs, names, strict=True)
        if nox_run.after
    ]
    return f"{', '.join(first)} at once" + "".join(f"; {one}" for one in later)


def mariadb_missing() -> str | None:
    """Why the lines cannot run on MariaDB here (no server binaries, no SPEC_MARIADB_URL), in one line; None when they
    can. The binaries are looked for as the mariadb provider does (support.database.mysql.binaries)."""
    if os.environ.get("SPEC_MARIADB_URL") or os.environ.get("SPEC_MARIADB_BIN"):
        return None
    places = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/usr/local/mysql/bin"])
    server = shutil.which("mariadbd", path=places) or shutil.which("mysqld", path=places)
    installer = shutil.which("mariadb-install-db", path=places) or shutil.which("mysql_install_db", path=places)
    if server and installer:
        return None
    return (
        "dev.py: no MariaDB server binaries (mariadbd, mariadb-install-db) on PATH or in /usr/sbin, and no "
        "SPEC_MARIADB_URL: the MySQL/MariaDB runs are left out (install Debian's mariadb-server package to have them)"
    )


def sqlalchemy_lines() -> list[str]:
    """The lines noxfile.py's SQLALCHEMY_LINES names (read, not imported: nox is in .venv, not in this Python)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SQLALCHEMY_LINES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("noxfile.py names no SQLALCHEMY_LINES")


def test_runs(lines: list[list[str]], pytest_arguments: tuple[str, ...]) -> list[NoxRun]:
    """What ``dev.py test`` runs, and what waits for what. At once: the lines, the support tests, the take-home
    samples and the isolation runs (the specification in random orders and across workers), which write nothing
    into the repository and leave no shared memory behind. The site once the lines have passed. The other
    reliability runs once the site and the support tests have passed: they check that nothing writes to the
    repository (the lines and the site do) and look at the whole machine's orphaned shared memory and the
    service's databases, which some support tests' kills and url runs leave for the next start to sweep."""
    at_once = [*lines, ["tests"], ["samples"], ["isolation"]]
    runs = [NoxRun(sessions, pytest_arguments=pytest_arguments) for sessions in at_once]
    tests, docs = at_once.index(["tests"]), len(runs)
    runs.append(NoxRun(["docs"], after=tuple(range(len(lines)))))
    return [*runs, NoxRun(["reliability"], after=(tests, docs), pytest_arguments=pytest_arguments)]


def commands(arguments: list[str]) -> None:
    if not arguments or arguments[0] not in ("spec", "test"):
        sys.exit(__doc__.split("\n\n``dev.py``")[0])
    command, pytest_arguments = arguments[0], arguments[1:]
    if pytest_arguments[:1] == ["--"]:
        pytest_arguments = pytest_arguments[1:]
    ensure_tools()
    # a line's nox process runs it on PostgreSQL, then on SQLite (no server: a file database), then on MariaDB
    missing = mariadb_missing()
    if missing and os.environ.get("SPEC_REQUIRE_MARIADB"):  # CI: the MariaDB runs are required
        sys.exit(missing.replace("are left out", "are required (SPEC_REQUIRE_MARIADB)"))
    if missing:
        print(missing, flush=True)
    databases = ["spec", "spec-sqlite"] + ([] if missing else ["spec-mariadb"])
    lines = [[f"{session}({line})" for session in databases] for line in sqlalchemy_lines()]
    install = not sessions_current()
    if command == "spec":
        readable = ["--spec-reporter=spec", "-p", "no:randomly"]
        nox_at_once(*lines, pytest_arguments=[*readable, *pytest_arguments], install=install)
        nox_at_once(["docs"], pytest_arguments=[], install=install)
        print(f"living documentation: {ROOT / 'site' / 'index.html'}")
    else:
        nox_runs(test_runs(lines, tuple(pytest_arguments)), install=install)
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
