"""The pytest plugin: rollback fixtures, sync here and async through async_fixtures.py.

Registered by the ``pytest11`` entry point; ``pytest_plugins = ["sqlalchemy_session_spec.plugin"]`` also works.
"""

from __future__ import annotations

import pytest

from sqlalchemy_session_spec import async_fixtures, leaks, settings, statements
from sqlalchemy_session_spec.factories import NotAFactory, factories_pointed_at
from sqlalchemy_session_spec.layers import Layer, engine_layer, savepoint_layer, shared_layer

ASYNC_PLUGIN = "sqlalchemy_session_spec.async_fixtures"
LEAKS_PLUGIN = "sqlalchemy_session_spec.leaks"


def pytest_addoption(parser) -> None:
    settings.add_options(parser)


def pytest_configure(config) -> None:
    settings.check_options(config)
    leaks.check_mode(config)
    config.addinivalue_line("markers", f"{leaks.MARKER}(reason): the session-leak check does not judge this test")
    if not config.pluginmanager.has_plugin(ASYNC_PLUGIN):
        config.pluginmanager.register(async_fixtures, ASYNC_PLUGIN)
        async_fixtures.register_variants(config)
    if leaks.mode(config) != "off" and not config.pluginmanager.has_plugin(LEAKS_PLUGIN):
        config.stash[leaks.NAMED] = leaks.named_registries(config)  # a bad path is refused before any test
        config.pluginmanager.register(leaks, LEAKS_PLUGIN)


@pytest.fixture
def session_leak_registries():
    """The scoped_session registries the leak check watches besides those of session_leak_registries (ini) and
    rollback_factories: override it in conftest.py to return yours."""
    return ()


@pytest.fixture
def session_leak_check(request, session_leak_registries):
    """This test fails, one line per leak, if a Session it made still holds something after its fixtures are torn
    down, or a watched scoped_session entry made during it was never removed (session_leak_check = warn: warns)."""
    watch = leaks.start_watch()
    try:
        for name, registry in leaks.registries_named(request.config):
            watch.watch_registry(registry, name)
        for name, registry in leaks.registries_given(session_leak_registries):
            watch.watch_registry(registry, name)
    except BaseException:
        leaks.end_watch(watch)
        raise
    yield watch
    leaks.report(request, leaks.end_watch(watch))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "teardown" and item.stash.get(leaks.LEAKS, None):
        outcome.get_result().session_leaks = item.stash[leaks.LEAKS]


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report, config):
    """A test that leaked fails: counted and listed as FAILED, not as an error of its teardown."""
    if report.when == "teardown" and report.failed and getattr(report, "session_leaks", None):
        return "failed", "F", "FAILED"
    return None


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
            leaks.watch_registries_of(factories)
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


@pytest.fixture
def statements_sent():
    """``statements_sent(session)``: what the session's engine sends from then on (and which objects were loaded from
    rows), until the ``with`` block around the call ends, or else the test."""
    started: list[statements.StatementsSent] = []

    def start(*targets) -> statements.StatementsSent:
        started.append(statements.statements_sent(*targets))
        return started[-1]

    yield start
    for watch in started:
        watch.stop()
