"""The pytest plugin: rollback fixtures, sync here and async through async_fixtures.py.

Registered by the ``pytest11`` entry point; ``pytest_plugins = ["sqlalchemy_session_spec.plugin"]`` also works.
"""

from __future__ import annotations

import pytest

from sqlalchemy_session_spec import async_fixtures, settings
from sqlalchemy_session_spec.factories import NotAFactory, factories_pointed_at
from sqlalchemy_session_spec.layers import Layer, engine_layer, savepoint_layer, shared_layer

ASYNC_PLUGIN = "sqlalchemy_session_spec.async_fixtures"


def pytest_addoption(parser) -> None:
    settings.add_options(parser)


def pytest_configure(config) -> None:
    settings.check_options(config)
    if not config.pluginmanager.has_plugin(ASYNC_PLUGIN):
        config.pluginmanager.register(async_fixtures, ASYNC_PLUGIN)
        async_fixtures.register_variants(config)


@pytest.fixture(scope=settings.shared_scope)
def rollback_shared_session(request):
    """A Session whose transaction lasts the module (or session: rollback_shared_scope); rolled back at its end.

    What fixtures of that scope write through it (commits too) stays visible to every test there, while each
    test's own changes roll back: every test of the scope gets a SAVEPOINT layer on the same connection.
    """
    with engine_layer(settings.engine(request), settings.session_class(request.config)) as layer:
        layer.shared = True
        yield layer.session()


@pytest.fixture
def rollback_layer(request) -> Layer:
    """The test's rollback layer: its own connection's outer transaction, or a SAVEPOINT on the shared one."""
    if shared_layer(Layer) is None and "rollback_shared_session" in request.fixturenames:
        request.getfixturevalue("rollback_shared_session")
    shared = shared_layer(Layer)
    if shared is not None:
        with savepoint_layer(shared) as layer:
            yield layer
        return
    with engine_layer(settings.engine(request), settings.session_class(request.config)) as layer:
        yield layer


@pytest.fixture
def rollback_connection(rollback_layer: Layer):
    """A Connection whose transaction is rolled back after the test (a SAVEPOINT of the shared layer's, if any)."""
    return rollback_layer.connection


@pytest.fixture
def rollback_session(rollback_layer: Layer):
    """A Session joined to rollback_connection: the code under test may commit, roll back, flush, nest savepoints;
    nothing survives the test."""
    return rollback_layer.session()


@pytest.fixture
def rollback_sessionmaker(rollback_layer: Layer):
    """A sessionmaker whose sessions join rollback_connection like rollback_session; all are closed after the test."""
    return rollback_layer.sessionmaker()


@pytest.fixture
def rollback_factories(rollback_layer: Layer):
    """rollback_factories(maker, scoped, ...) points the project's own sessionmaker / scoped_session objects at
    rollback_connection until the test ends (scoped registries are emptied before and after)."""
    with PointedFactories(rollback_layer) as point:
        yield point


class PointedFactories:
    """The callable behind rollback_factories and async_rollback_factories."""

    def __init__(self, layer) -> None:
        from contextlib import ExitStack

        self.layer = layer
        self.stack = ExitStack()

    def __call__(self, *factories):
        try:
            self.stack.enter_context(factories_pointed_at(self.layer, factories))
        except NotAFactory as error:
            refusal = str(error)
        else:
            return factories[0] if len(factories) == 1 else factories
        settings.refuse(refusal)  # outside the except block: one line, no chained traceback

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stack.close()


@pytest.fixture(autouse=True)
def rollback_layer_for_every_test_of_a_shared_scope(request) -> None:
    """While a shared layer is active (or the test uses one), the test gets its own layer, asked for or not."""
    if shared_layer(Layer) is not None or "rollback_shared_session" in request.fixturenames:
        request.getfixturevalue("rollback_layer")
    async_fixtures.rollback_layer_for_async_tests(request)
