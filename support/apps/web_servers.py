"""The run's web servers as a session fixture (a pytest plugin, listed in the root conftest.py), started early.

Once the run's scenarios are known, each step that asks for ``web_servers`` is run once against a recorder,
which learns the server configurations the run will need (skipped scenarios need none); at the start of the run
they are all started at once, in the background, and each scenario waits only for its own. (Not on a
pytest-xdist worker: it runs only some of the scenarios it collects, and starts its servers as it needs them.)
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import suppress

import pytest
from pytest_bdd.scenario import parse_step_arguments

from support.apps.servers import ServerRegistry
from support.guards import scenario_of, step_definitions

NEEDED = pytest.StashKey[list[tuple]]()  # (kind, threads, configuration) of every server the run will ask for


class ServerRecorder:
    """Stands in for the registry in a step run at collection: notes what the step asks for, starts nothing."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def serving(self, kind: str, threads: int = 1, **configuration: bool) -> None:
        self.asked.append((kind, threads, configuration))


def servers_asked_for(step, context) -> list[tuple]:
    """The servers a step definition asks ``web_servers`` for, learnt by running it against a recorder."""
    parameters = inspect.signature(context.step_func).parameters
    if "web_servers" not in parameters:
        return []
    recorder = ServerRecorder()
    given = {"web_servers": recorder, "datatable": step.datatable.raw() if step.datatable else None}
    with suppress(Exception):  # a step that cannot run here fails in its scenario, where it is reported
        given |= parse_step_arguments(step=step, context=context)
        context.step_func(**{name: given.get(name) for name in parameters})
    return recorder.asked


def pytest_collection_finish(session: pytest.Session) -> None:
    needed = []
    if not hasattr(session.config, "workerinput"):
        for item in session.items:
            scenario = None if item.get_closest_marker("skip") else scenario_of(item)
            for step in scenario.steps if scenario else []:
                for context in step_definitions(step, item):
                    needed += [asked for asked in servers_asked_for(step, context) if asked not in needed]
    session.config.stash[NEEDED] = needed


@pytest.fixture(scope="session")
def web_servers(spec_database) -> Iterator[ServerRegistry]:
    """The run's web servers, each started at its first use (or earlier) and all stopped at the end of the run."""
    registry = ServerRegistry(spec_database.url.render_as_string(hide_password=False))
    yield registry
    registry.close()


@pytest.fixture(scope="session", autouse=True)
def _servers_started_early(request: pytest.FixtureRequest) -> None:
    """Starts every server the run will need, all at once, when it needs any."""
    needed = request.config.stash.get(NEEDED, [])
    if needed:
        registry = request.getfixturevalue("web_servers")
        for kind, threads, configuration in needed:
            registry.start(kind, threads, **configuration)
