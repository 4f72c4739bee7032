"""Docker detection and fail-over, against local stand-ins for a Docker engine (absent, silent, or one that
answers its API over a unix socket). These machines have no Docker engine: the real container start is
exercised by the hosted CI's Docker lane (.github/workflows/ci.yml), which sets SPEC_REQUIRE_DOCKER=1 so
that it fails rather than skips there."""

import os
import re
import socket
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from support.database.choice import DatabaseChoice, serve
from support.database.container import PINNED_IMAGE, docker_unavailable_reason, serve_container
from support.database.own_database import own_database
from support.database.server import ProviderUnavailable
from tests.helpers.stand_ins import silent_server, stand_in_engine

DOCKER_HERE = docker_unavailable_reason()  # None where an engine answers


@pytest.fixture
def docker_host(monkeypatch):
    """Points Docker clients at an address of the test's choosing, and nowhere else."""
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)

    def point_at(address: str) -> None:
        monkeypatch.setenv("DOCKER_HOST", address)

    return point_at


ANSWER_TIMEOUT = 30.0  # far longer than a refusal takes, even on a loaded machine: waiting for it would show


def timed(timeout: float = ANSWER_TIMEOUT) -> tuple[str | None, float]:
    started = time.monotonic()
    reason = docker_unavailable_reason(timeout)
    return reason, time.monotonic() - started


def test_the_image_is_pinned_to_a_release():
    assert re.fullmatch(r"postgres:\d+\.\d+-alpine", PINNED_IMAGE)


def test_without_an_engine_here_the_reason_is_one_line_at_once():
    reason, seconds = timed()
    if reason is None:
        pytest.skip("a Docker engine answers on this machine")
    assert "\n" not in reason
    assert reason.endswith("or use --db=embedded")
    assert seconds < ANSWER_TIMEOUT / 3  # said at once, not after waiting for an answer


def test_a_missing_socket_is_named(docker_host, tmp_path):
    docker_host(f"unix://{tmp_path}/absent.sock")
    reason, seconds = timed()
    assert reason == f"no Docker engine ({tmp_path}/absent.sock does not exist): start Docker, or use --db=embedded"
    assert seconds < ANSWER_TIMEOUT / 3  # said at once, not after waiting for an answer


def test_a_socket_that_accepts_and_never_answers_costs_no_more_than_the_timeout(docker_host, tmp_path):
    path = tmp_path / "docker.sock"
    with silent_server(socket.AF_UNIX, str(path)):
        docker_host(f"unix://{path}")
        reason, seconds = timed(timeout=1.0)
    assert reason == f"no answer from a Docker engine at unix://{path} within 1 s: start it, or use --db=embedded"
    assert seconds < 1.5


def test_a_closed_tcp_port_is_named(docker_host):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    docker_host(f"tcp://127.0.0.1:{port}")
    reason, seconds = timed()
    assert reason.startswith(f"no Docker engine answers at tcp://127.0.0.1:{port} (")
    assert reason.endswith("): start it or fix DOCKER_HOST, or use --db=embedded")
    assert "\n" not in reason
    assert seconds < ANSWER_TIMEOUT / 3  # said at once, not after waiting for an answer


def test_a_malformed_docker_host_is_named(docker_host):
    docker_host("bogus://somewhere")
    reason, _ = timed()
    assert reason.startswith("no Docker engine answers at bogus://somewhere (")
    assert "\n" not in reason


def test_an_engine_that_has_the_image_is_usable(docker_host, tmp_path):
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=True, registry="refuses") as asked:
        docker_host(f"unix://{path}")
        reason, seconds = timed()
    assert reason is None
    assert any("/_ping" in asked_path for asked_path in asked)
    assert seconds < ANSWER_TIMEOUT / 3  # answered at once, not after waiting for the timeout


def test_an_engine_that_can_pull_the_image_is_usable(docker_host, tmp_path):
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=False, registry="answers") as asked:
        docker_host(f"unix://{path}")
        assert docker_unavailable_reason() is None
    assert any(f"/distribution/{PINNED_IMAGE}/json" in asked_path for asked_path in asked)


def test_an_image_that_is_absent_and_cannot_be_pulled_is_named(docker_host, tmp_path):
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=False, registry="refuses"):
        docker_host(f"unix://{path}")
        reason, _ = timed()
    assert reason.startswith(f"{PINNED_IMAGE} is not present and cannot be pulled (401 Client Error")
    assert reason.endswith(": fix the tag or the registry access, or use --db=embedded")
    assert "\n" not in reason


def test_a_registry_that_hangs_costs_no_more_than_the_timeout(docker_host, tmp_path):
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=False, registry="hangs"):
        docker_host(f"unix://{path}")
        reason, seconds = timed(timeout=1.0)
    assert reason == (
        f"{PINNED_IMAGE} is not present and the registry did not answer within 1 s: "
        f"run docker pull {PINNED_IMAGE}, or use --db=embedded"
    )
    assert seconds < 1.5


def test_asking_for_the_container_without_docker_fails_with_the_reason(docker_host, tmp_path):
    docker_host(f"unix://{tmp_path}/absent.sock")
    with pytest.raises(ProviderUnavailable) as refused, serve_container():
        pass
    assert str(refused.value) == docker_unavailable_reason()
    with pytest.raises(ProviderUnavailable, match="no Docker engine"), serve(DatabaseChoice("container"), []):
        pass


def test_a_container_that_cannot_start_is_one_line(docker_host, tmp_path, monkeypatch):
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    path = str(tmp_path / "docker.sock")
    with stand_in_engine(path, image_present=True, registry="refuses"):
        docker_host(f"unix://{path}")
        with pytest.raises(ProviderUnavailable) as refused, serve_container():
            pass
    message = str(refused.value)
    assert message.startswith(f"could not start {PINNED_IMAGE} (")
    assert message.endswith(f"): check that docker run {PINNED_IMAGE} works, or use --db=embedded")
    assert "\n" not in message


def test_auto_falls_back_to_embedded_when_the_container_cannot_start(docker_host, tmp_path):
    path = tmp_path / "docker.sock"
    with silent_server(socket.AF_UNIX, str(path)):
        docker_host(f"unix://{path}")
        passed_over = []
        with serve(DatabaseChoice("container", fall_back=True), passed_over) as handle:
            assert handle.provider == "embedded"
    [reason] = passed_over
    assert reason.startswith("container: no answer from a Docker engine")


@pytest.mark.skipif(
    DOCKER_HERE is not None and os.environ.get("SPEC_REQUIRE_DOCKER") != "1",
    reason=f"no Docker here: {DOCKER_HERE}",
)
def test_a_real_container_serves_postgresql():
    with serve_container() as handle:
        assert handle.provider == "container"
        assert handle.server_version.split(".")[0] == PINNED_IMAGE.split(":")[1].split(".")[0]
        assert handle.admin_url.password not in handle.describe()
        with own_database(handle.admin_url, "gw0") as url:
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT current_database()")).scalar() == url.database
            engine.dispose()
    engine = create_engine(handle.admin_url, poolclass=NullPool, connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError):  # stopped with the block
        engine.connect()
    engine.dispose()
