"""Security of real runs: the embedded server is reachable by no TCP connection and only through a private
socket directory; a password given in the URL shows up nowhere a run writes or prints."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from tests.helpers import child_runs, leftovers, service
from tests.helpers.from_support import SUPERUSER, data_root
from tests.helpers.samples import sample_project

pytestmark = pytest.mark.reliability

SECRET = "Sw0rdfish-in-the-url-9f3"  # what no output, file or page may show


def wait_for(path: Path, run: subprocess.Popen, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert run.poll() is None, run.stdout.read()
        assert time.monotonic() < deadline, "the run never reached its held step"
        time.sleep(0.05)
    return path.read_text()


def test_the_embedded_server_has_no_tcp_listener_and_a_private_socket_directory(tmp_path):
    project = sample_project(tmp_path / "project", "held_open")
    held, release = tmp_path / "held", tmp_path / "release"
    run = child_runs.start_run("--db=embedded", cwd=project, env={"SPEC_HELD": str(held), "SPEC_RELEASE": str(release)})
    try:
        sockets = Path(wait_for(held, run))
        run_dir = sockets.parent
        assert run_dir.parent == data_root()
        server = leftovers.our_postgres_processes(run_dir)
        assert server, f"no postgres process works in {run_dir}"
        listening = [
            connection
            for process in server
            for connection in process.net_connections(kind="inet")
            if connection.status == psutil.CONN_LISTEN
        ]
        assert listening == []
        engine = create_engine(
            URL.create("postgresql+psycopg2", username=SUPERUSER, database="postgres", query={"host": str(sockets)}),
            poolclass=NullPool,
        )
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW listen_addresses")).scalar() == ""
        finally:
            engine.dispose()
        server_user = server[0].uids().real
        assert stat.S_IMODE(sockets.stat().st_mode) == 0o700
        assert sockets.stat().st_uid == server_user
        assert stat.S_IMODE(run_dir.stat().st_mode) & 0o044 == 0  # no one else may list the run directory
        assert stat.S_IMODE((run_dir / "server.log").stat().st_mode) & 0o044 == 0
    finally:
        release.touch()
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output


@pytest.mark.skipif(not service.service_answers(), reason="no PostgreSQL service on 127.0.0.1:5432")
@child_runs.TAKES_TURNS
def test_a_password_in_the_url_shows_nowhere(tmp_path):
    # the service trusts loopback: the password is not checked, but the run carries it everywhere
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:5432/postgres"
    project = sample_project(tmp_path / "project", "quoting_url")
    results, cucumber, site, temp_dir = (
        tmp_path / "results",
        tmp_path / "cucumber.json",
        tmp_path / "site",
        tmp_path / "tmp",
    )
    temp_dir.mkdir()
    service_logs = {path: path.stat().st_size for path in Path("/var/log/postgresql").glob("*.log")}
    completed = child_runs.run(
        "-v", "-rA", "--db=url", f"--db-url={url}", f"--spec-results={results}/sqlalchemy-2.1.json",
        f"--cucumberjson={cucumber}",
        cwd=project, env={"TMPDIR": str(temp_dir), "PYTHONDONTWRITEBYTECODE": "1"}, timeout=300,
    )  # fmt: skip
    output = completed.stdout
    assert completed.returncode == 1, output  # the quoting scenario fails, the other passes
    assert "database: url PostgreSQL" in output
    assert "could not use postgresql+psycopg2://postgres:***@127.0.0.1:5432/spec_" in output  # masked, not lost
    assert "working in postgresql+psycopg2://postgres:***@" in output  # captured output, shown by -rA
    assert "collected with ['--db-url=postgresql://postgres:***@127.0.0.1:5432/postgres']" in output
    rendered = subprocess.run(
        [sys.executable, "-m", "support.report.site", "--results", str(results), "--out", str(site)],
        cwd=child_runs.ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    written = {
        "terminal output": output,
        "results": (results / "sqlalchemy-2.1.json").read_text(),
        "pytest-bdd's Cucumber JSON": cucumber.read_text(),
        "living documentation": "".join(page.read_text() for page in site.rglob("*") if page.is_file()),
        "temp files": "".join(path.read_text(errors="replace") for path in temp_dir.rglob("*") if path.is_file()),
        "the service's log": "".join(_tail(path, size) for path, size in service_logs.items()),
    }
    results_text = json.dumps(json.loads(written["results"]))
    assert "could not use postgresql+psycopg2://postgres:***@" in results_text
    assert "careful with postgresql+psycopg2://postgres:***@" in results_text  # the step's warning, recorded
    assert {where: SECRET in content for where, content in written.items()} == dict.fromkeys(written, False)


def _tail(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")
