"""Docker detection and fail-over. These machines have no Docker engine: the real container start is
exercised by the hosted CI's Docker lane (.github/workflows/ci.yml) and skipped here."""

import socket
import time

import pytest

from support.database.choice import DatabaseChoice, serve
from support.database.container import PINNED_IMAGE, docker_unavailable_reason, serve_container
from support.database.server import ProviderUnavailable
from tests.stand_ins import silent_server


def test_the_image_is_pinned():
    name, tag = PINNED_IMAGE.split(":")
    assert name == "postgres"
    assert tag[0].isdigit()


def test_no_engine_is_one_line_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    started = time.monotonic()
    reason = docker_unavailable_reason(timeout=2.0)
    assert time.monotonic() - started < 0.5
    assert "no Docker engine" in reason
    assert "\n" not in reason


def test_a_hanging_engine_costs_no_more_than_the_timeout(monkeypatch, tmp_path):
    path = tmp_path / "docker.sock"
    with silent_server(socket.AF_UNIX, str(path)):
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        started = time.monotonic()
        reason = docker_unavailable_reason(timeout=1.0)
        elapsed = time.monotonic() - started
    assert "within 1 s" in reason
    assert elapsed < 1.5


def test_a_malformed_docker_host_is_named(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "ssh://somewhere")
    assert "DOCKER_HOST=ssh://somewhere is not a unix:// or tcp:// address" in docker_unavailable_reason()


def test_asking_for_the_container_without_docker_fails_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    with pytest.raises(ProviderUnavailable, match="no Docker engine"), serve(DatabaseChoice("container"), []):
        pass


def test_auto_falls_back_to_embedded_when_the_container_cannot_start(monkeypatch, tmp_path):
    path = tmp_path / "docker.sock"
    with silent_server(socket.AF_UNIX, str(path)):
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        passed_over = []
        with serve(DatabaseChoice("container", fall_back=True), passed_over) as handle:
            assert handle.provider == "embedded"
    [reason] = passed_over
    assert reason.startswith("container: no answer from a Docker engine")


@pytest.mark.skipif(docker_unavailable_reason() is not None, reason=str(docker_unavailable_reason()))
def test_a_real_container_serves_postgresql():
    with serve_container() as handle:
        assert handle.provider == "container"
        assert handle.server_version.split(".")[0] == PINNED_IMAGE.split(":")[1].split(".")[0]
