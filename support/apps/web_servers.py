"""The run's web servers as a session fixture: a pytest plugin, listed in the root conftest.py."""

from collections.abc import Iterator

import pytest

from support.apps.servers import ServerRegistry


@pytest.fixture(scope="session")
def web_servers(spec_database) -> Iterator[ServerRegistry]:
    """The run's web servers, each started at its first use and all stopped at the end of the run."""
    registry = ServerRegistry(spec_database.url.render_as_string(hide_password=False))
    yield registry
    registry.close()
