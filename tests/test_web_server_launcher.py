"""The web servers' launcher: servers forked from it serve, stop with the registry, and die with the launcher (the
whole chain, pytest itself killed, is checked by tests/reliability/test_kills_and_interrupts.py)."""

import httpx
import psutil
import pytest

from support.apps.servers import PLAIN_HTTP, ServerRegistry
from tests.helpers.child_runs import wait_until_gone

NEVER_CONNECTED = "postgresql+psycopg2://nobody@127.0.0.1:1/never_connected"  # the apps connect at a read: none here


@pytest.fixture
def registry():
    registry = ServerRegistry(NEVER_CONNECTED)
    yield registry
    registry.close()


def test_servers_forked_from_one_launcher_serve_and_all_stop_with_the_registry(registry):
    servers = [registry.serving("werkzeug"), registry.serving("uvicorn"), registry.serving("gunicorn", threads=2)]
    launcher = psutil.Process(servers[0].process.ppid())
    assert [server.process.ppid() for server in servers] == [launcher.pid] * 3
    assert launcher.cmdline()[-2:] == ["-m", "support.apps.launcher"]
    for server in servers:
        assert httpx.get(f"{server.base_url}/_spec/ready", timeout=10, **PLAIN_HTTP).text == "ready"
    started = [launcher, *launcher.children(recursive=True)]  # the launcher, the servers, gunicorn's worker
    assert len(started) == 5
    registry.close()
    assert not wait_until_gone(started, 15)


def test_the_servers_die_with_their_launcher(registry):
    servers = [registry.serving("uvicorn"), registry.serving("gunicorn")]
    launcher = psutil.Process(servers[0].process.ppid())
    forked = launcher.children(recursive=True)
    assert len(forked) == 3  # uvicorn, gunicorn's master and its worker
    launcher.kill()
    assert not wait_until_gone(forked, 2)
