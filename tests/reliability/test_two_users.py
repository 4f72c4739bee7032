"""Two users of one machine: root and an unprivileged user, made by the test (``useradd``) and removed at its end,
run the specification at the same time, each with the default data root, and both pass; a directory another user
made at a user's default name does not lock that user out; and the url provider's bookkeeping never fails a user
whose data root belongs to someone else.

The unprivileged user runs from a copy of the checkout it can read (a checkout under /root, or in a 0700
directory, it could not), in a virtual environment of the machine's own Python of the same version holding the
test environment's packages, hard-linked (the environment's interpreter may live where that user cannot read, as
pyenv's under /root does).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from support.scratch import PRODUCT_DIR, SHM
from tests.helpers import child_runs
from tests.helpers.service import SERVICE_URL, service_answers

pytestmark = [
    pytest.mark.reliability,
    child_runs.TAKES_TURNS,  # the squatter is nobody, an account other rows watch; the url run uses the service
    pytest.mark.skipif(os.geteuid() != 0, reason="making a second user (useradd) and running as it needs root"),
    pytest.mark.skipif(not shutil.which("useradd"), reason="no useradd on this machine to make a second user"),
]

SPEC = ("steps", "-p", "no:randomly")
QUICK = ("steps/test_savepoint_rollback.py", "-k", "test_savepoint_rollback", "-p", "no:randomly")
RUN_DIRECTORY = re.compile(r"data in (\S+)/run-\d+-[0-9a-f]+,")
CHECKOUT_PARTS = ("features", "steps", "support", "plugin", "conftest.py", "pyproject.toml")


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: Path  # a private directory of theirs, also their TMPDIR


@contextmanager
def throwaway_user() -> Iterator[User]:
    """A new unprivileged user with a private home; at the end its processes, files in /dev/shm and it are gone."""
    name = f"spec{os.urandom(3).hex()}"
    home = Path(tempfile.mkdtemp(prefix=f"{name}-home-"))
    subprocess.run(
        ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", "--user-group", name],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam(name)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    try:
        yield User(name, entry.pw_uid, entry.pw_gid, home)
    finally:
        for process in psutil.process_iter(["uids"]):
            if process.info["uids"] and process.info["uids"].real == entry.pw_uid:
                with suppress(psutil.Error):
                    process.kill()
        time.sleep(0.2)
        for left in [SHM / f"{PRODUCT_DIR}-{entry.pw_uid}", *SHM.glob(f"{PRODUCT_DIR}-{entry.pw_uid}-*")]:
            shutil.rmtree(left, ignore_errors=True)
        for left in SHM.iterdir():  # anything else of theirs: a crashed server's segment, say
            with suppress(OSError):
                if left.lstat().st_uid == entry.pw_uid:
                    shutil.rmtree(left) if left.is_dir() else left.unlink()
        subprocess.run(["userdel", name], check=True, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def python_for_everyone() -> str:
    """The machine's own interpreter of this Python version, or skip: compiled packages need the same version."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/{version}", f"/usr/local/bin/{version}", shutil.which(version)):
        if candidate and os.access(candidate, os.X_OK) and not candidate.startswith("/root/"):
            return candidate
    pytest.skip(f"no {version} outside /root that another user could run")


@pytest.fixture(scope="module")
def readable_copy() -> Iterator[Path]:
    """The checkout's specification and this environment's packages, in a directory every user can read."""
    copy = Path(tempfile.mkdtemp(prefix="spec-two-users-"))
    copy.chmod(0o755)
    try:
        for part in CHECKOUT_PARTS:
            source = child_runs.ROOT / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy / part)
        # a virtual environment of the machine's Python holding this environment's packages: web servers the
        # specification starts run with its interpreter too
        subprocess.run([python_for_everyone(), "-m", "venv", "--without-pip", str(copy / "venv")], check=True)
        site = Path(sysconfig.get_paths()["purelib"])
        target = copy / "venv" / Path(site).relative_to(sys.prefix)
        shutil.rmtree(target)
        linked = subprocess.run(["cp", "-al", str(site), str(target)], capture_output=True)
        if linked.returncode:  # another filesystem: a real copy
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(site, target, symlinks=True)
        for editable in target.glob("__editable__*"):  # they point at the checkout: the copy is its own
            editable.unlink()
        (target / "take_home_plugin.pth").write_text(f"{copy / 'plugin' / 'src'}\n")  # the plugin's copy
        for directory, _, _ in os.walk(copy):
            os.chmod(directory, 0o755)
        yield copy
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def start_as(user: User | None, copy: Path, arguments: tuple[str, ...], log: Path, **env: str) -> subprocess.Popen:
    """A pytest run of the specification: as root from the checkout, or as ``user`` from the readable copy."""
    environment = {key: value for key, value in os.environ.items() if key != "SPEC_PG_DATA_ROOT"}  # the default
    command = [sys.executable, "-m", "pytest", *arguments]
    options: dict = {"cwd": child_runs.ROOT}
    if user is not None:
        environment = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(user.home),
            "TMPDIR": str(user.home),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        command[0] = str(copy / "venv" / "bin" / "python")
        options = {"cwd": copy, "user": user.uid, "group": user.gid, "extra_groups": []}
    with open(log, "w") as output:
        os.chown(log, user.uid if user else 0, user.gid if user else 0)
        return subprocess.Popen(
            command,
            env={**environment, **env},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            **options,
        )


def finish(process: subprocess.Popen, timeout: float = 900) -> int:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        raise


def results_of(user: User | None, name: str, tmp_path: Path) -> Path:
    return (user.home if user else tmp_path) / f"{name}.json"


def test_root_and_an_unprivileged_user_run_the_specification_at_the_same_time(readable_copy, tmp_path):
    with throwaway_user() as user:
        runs_at_once = {}
        for who in (None, user):
            results = results_of(who, "results", tmp_path)
            log = (who.home if who else tmp_path) / "output.log"
            process = start_as(who, readable_copy, (*SPEC, "--db=embedded", f"--spec-results={results}"), log)
            runs_at_once[who] = (process, log, results)
        try:
            codes = {who: finish(process) for who, (process, _, _) in runs_at_once.items()}
        finally:
            for process, _, _ in runs_at_once.values():
                if process.poll() is None:
                    process.kill()
        outputs = {who: log.read_text() for who, (_, log, _) in runs_at_once.items()}
        for who, code in codes.items():
            assert code == 0, f"{who.name if who else 'root'}: exit {code}\n{outputs[who][-3000:]}"
        statuses = {who: child_runs.statuses(results) for who, (_, _, results) in runs_at_once.items()}
        roots = {who: RUN_DIRECTORY.search(output).group(1) for who, output in outputs.items()}

    assert statuses[None] == statuses[user]
    assert len(statuses[None]) > 100
    assert Path(roots[None]).name.startswith(f"{PRODUCT_DIR}-0")  # each in a root of their own
    assert Path(roots[user]).name.startswith(f"{PRODUCT_DIR}-{user.uid}")


def test_a_directory_another_user_made_at_the_default_name_does_not_lock_the_user_out(readable_copy):
    with throwaway_user() as user:
        squatted = SHM / f"{PRODUCT_DIR}-{user.uid}"
        shutil.rmtree(squatted, ignore_errors=True)
        nobody = pwd.getpwnam("nobody")
        made = subprocess.run(
            ["mkdir", "-m", "0777", str(squatted)], user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[]
        )
        assert made.returncode == 0
        try:
            log = user.home / "output.log"
            code = finish(start_as(user, readable_copy, (*QUICK, "--db=embedded"), log))
            output = log.read_text()
            assert code == 0, output[-3000:]
            root = RUN_DIRECTORY.search(output).group(1)
            assert root.startswith(f"{squatted}-")  # a fresh name of the user's own beside the squatted one
            assert Path(root).stat().st_uid == user.uid
            assert squatted.stat().st_uid == nobody.pw_uid  # left alone
        finally:
            squatted.rmdir()


@pytest.mark.skipif(not service_answers(), reason=f"no PostgreSQL service at {SERVICE_URL}")
def test_a_url_run_of_a_user_whose_data_root_belongs_to_another_keeps_its_bookkeeping_apart(readable_copy):
    theirs = Path(tempfile.mkdtemp(prefix="spec-roots-data-"))  # root's, where the user may look but not write
    try:
        (theirs / PRODUCT_DIR / "pending-databases").mkdir(parents=True)
        for directory, _, _ in os.walk(theirs):
            os.chmod(directory, 0o755)
        with throwaway_user() as user:
            log = user.home / "output.log"
            arguments = (*QUICK, "--db=url", f"--db-url={SERVICE_URL}")
            code = finish(start_as(user, readable_copy, arguments, log, SPEC_PG_DATA_ROOT=str(theirs)))
            output = log.read_text()
        assert code == 0, output[-3000:]
        assert "PermissionError" not in output
        assert not list((theirs / PRODUCT_DIR / "pending-databases").iterdir())
    finally:
        shutil.rmtree(theirs)
