"""The embedded provider, with real servers and real processes."""

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from support.database import embedded
from support.database.embedded import cache_dir_for, data_root, default_bin_dir, serve_embedded, sweep_stale_runs
from support.database.server import ProviderUnavailable

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_BIN = Path("/usr/lib/postgresql/15/bin")


def setting(handle, name: str) -> str:
    engine = create_engine(handle.admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SHOW {name}")).scalar_one()
    finally:
        engine.dispose()


def postmaster_of(handle) -> psutil.Process:
    data = Path(handle.admin_url.query["host"]).parent / "data"
    return psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))


def server_processes_in(run_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if str(run_dir) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_the_server_is_private_fast_and_throwaway():
    with serve_embedded() as handle:
        postmaster = postmaster_of(handle)
        sockets = Path(handle.admin_url.query["host"])
        assert setting(handle, "listen_addresses") == ""
        assert not [c for c in postmaster.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert stat.S_IMODE(sockets.stat().st_mode) == 0o700
        assert [setting(handle, name) for name in ("fsync", "synchronous_commit", "full_page_writes")] == ["off"] * 3
        if Path("/dev/shm").is_dir() and "SPEC_PG_DATA_ROOT" not in os.environ:
            assert str(sockets).startswith("/dev/shm/")
        run_dir = sockets.parent
    assert not postmaster.is_running()
    assert not run_dir.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root run has to drop privileges")
def test_as_root_it_runs_unprivileged_and_changes_no_permission_outside_its_tree():
    watched = [*data_root().parents, *default_bin_dir().parents, default_bin_dir()]
    modes_before = {path: path.stat().st_mode for path in watched if path.exists()}
    with serve_embedded() as handle:
        assert postmaster_of(handle).uids().real != 0
        assert "runs as " in handle.detail
    assert {path: path.stat().st_mode for path in modes_before} == modes_before


def test_later_starts_copy_the_cached_cluster():
    with serve_embedded():
        pass
    assert cache_dir_for(default_bin_dir()).is_dir()
    with serve_embedded() as handle:
        assert "cached cluster" in handle.detail


def test_two_servers_run_side_by_side():
    with serve_embedded() as first, serve_embedded() as second:
        assert first.admin_url.query["host"] != second.admin_url.query["host"]
        assert setting(first, "server_version") == setting(second, "server_version")


@pytest.mark.skipif(not (SYSTEM_BIN / "postgres").exists(), reason="no system PostgreSQL 15 binaries here")
def test_a_user_named_binary_directory_is_used():
    with serve_embedded(SYSTEM_BIN) as handle:
        assert handle.server_version.startswith("15.")
        assert setting(handle, "server_version").startswith("15.")


def test_a_directory_without_postgresql_is_refused_in_one_line(tmp_path):
    with (
        pytest.raises(ProviderUnavailable, match=r"no PostgreSQL binaries in .*: point --pg-bin at") as refused,
        serve_embedded(tmp_path),
    ):
        pass
    assert "\n" not in str(refused.value)


def test_the_data_root_can_be_chosen(monkeypatch):
    chosen = Path(tempfile.mkdtemp(prefix="spec-data-root-"))
    chosen.chmod(0o755)  # our own directory; the server's account must be able to enter it
    try:
        monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(chosen))
        with serve_embedded() as handle:
            assert handle.admin_url.query["host"].startswith(str(chosen))
    finally:
        subprocess.run(["rm", "-rf", str(chosen)], check=True)


def test_run_directories_of_dead_owners_are_swept_and_live_ones_kept():
    root = data_root()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = root / f"run-{dead.pid}-stale0"
    stale.mkdir(parents=True)
    (stale / "owner").write_text(f"{dead.pid} 1.0\n")
    live = root / f"run-{os.getpid()}-live00"
    live.mkdir()
    (live / "owner").write_text(f"{os.getpid()} {psutil.Process().create_time()}\n")
    try:
        swept = sweep_stale_runs(root)
        assert stale in swept
        assert not stale.exists()
        assert live.exists()
    finally:
        subprocess.run(["rm", "-rf", str(stale), str(live)], check=True)


OWNER = textwrap.dedent("""
    import sys, time
    from support.database.embedded import serve_embedded
    with serve_embedded() as handle:
        print(handle.admin_url.query["host"], flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("death", [signal.SIGKILL, signal.SIGTERM])
def test_the_server_dies_with_its_owner(death):
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        run_dir = Path(owner.stdout.readline().strip()).parent
        processes = server_processes_in(run_dir)
        assert processes, "the owner's server did not start"
        owner.send_signal(death)
        owner.wait(5)
        _, alive = psutil.wait_procs(processes, timeout=2)
        assert not alive, f"still running 2 s after the owner's {death.name}: {alive}"
    finally:
        owner.kill()
    assert run_dir in sweep_stale_runs(data_root())


KILLED_RUN = textwrap.dedent("""
    import time

    def test_holds_a_scenario_open(database):
        print("SCENARIO-RUNNING", flush=True)
        time.sleep(60)
""")


def test_kill_9_of_a_running_pytest_leaves_no_server(tmp_path):
    (tmp_path / "test_hold.py").write_text(KILLED_RUN)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["support.pytest_plugin"]\n')
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "--db=embedded", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in run.stdout:
            if "SCENARIO-RUNNING" in line:
                break
        ours = [p for p in psutil.Process(run.pid).children() if p.name() == "postgres"]
        assert ours, "the run started no embedded server"
        everything = ours + [child for p in ours for child in p.children(recursive=True)]
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        _, alive = psutil.wait_procs(everything, timeout=2)
        assert not alive, f"postgres processes left 2 s after kill -9: {alive}"
    finally:
        run.kill()
        sweep_stale_runs(data_root())


def test_a_start_failure_names_the_server_log_line(monkeypatch):
    monkeypatch.setitem(embedded.SERVER_SETTINGS, "shared_buffers", "not-a-size")
    with pytest.raises(ProviderUnavailable, match=r"exited at start: .*shared_buffers"), serve_embedded():
        pass
