"""Which provider a run takes, and what a run says about it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.database.choice import choose
from support.database.server import ProviderUnavailable

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_the_command_line_wins_over_the_environment_which_wins_over_auto():
    environ = {"SPEC_DB": "url", "SPEC_DB_URL": "postgresql://env@127.0.0.1/postgres"}
    assert choose(None, None, None, environ).settings.url == "postgresql://env@127.0.0.1/postgres"
    assert choose("embedded", None, None, environ).provider == "embedded"
    assert choose(None, "postgresql://cli@127.0.0.1/postgres", None, environ).settings.url.startswith(
        "postgresql://cli@"
    )


def test_auto_takes_a_given_url_first():
    assert choose("auto", "postgresql://me@127.0.0.1/postgres", None, {}).provider == "url"


def test_auto_without_docker_falls_back_to_embedded_and_says_why(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    choice = choose("auto", None, None, {})
    assert choice.provider == "embedded"
    [reason] = choice.passed_over
    assert reason.startswith("container: ")
    assert "\n" not in reason


def test_naming_a_binary_directory_means_embedded():
    choice = choose(None, None, "/usr/lib/postgresql/15/bin", {})
    assert (choice.provider, choice.settings.pg_bin) == ("embedded", Path("/usr/lib/postgresql/15/bin"))


@pytest.mark.parametrize(
    ("db", "message"),
    [("url", "--db=url needs a server: pass --db-url="), ("cloud", "unknown database provider 'cloud'")],
)
def test_an_incomplete_or_unknown_choice_is_one_line_naming_the_fix(db, message):
    with pytest.raises(ProviderUnavailable, match=message) as refused:
        choose(db, None, None, {})
    assert "\n" not in str(refused.value)


def run_pytest(*arguments: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *arguments],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _service_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _service_answers(), reason="no PostgreSQL service on 127.0.0.1:5432 to act as a url server")
def test_a_password_never_appears_in_the_output_or_the_results(tmp_path):
    results = tmp_path / "results.json"
    secret = "Sw0rdfish-not-for-logs"
    completed = run_pytest(
        # the families whose scenarios hand the URL on: to web servers, async engines and child processes
        "steps/test_request_boundary.py",
        "steps/test_savepoint_rollback.py",
        "-q",
        "--db=url",
        f"--db-url=postgresql://postgres:{secret}@127.0.0.1:5432/postgres",
        f"--spec-results={results}",
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "database: url PostgreSQL" in completed.stdout
    assert secret not in completed.stdout + completed.stderr
    assert secret not in results.read_text()
    assert json.loads(results.read_text())["run"]["provider"] == "url"


def test_a_provider_that_cannot_serve_stops_the_run_with_one_line():
    completed = run_pytest("steps", "-q", "--db=url", "--db-url=postgresql://postgres@127.0.0.1:1/postgres")
    assert completed.returncode == 4  # pytest's usage error
    errors = [line for line in completed.stderr.splitlines() if line.startswith("ERROR: database:")]
    assert len(errors) == 1, completed.stderr
