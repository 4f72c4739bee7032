"""The async fixtures, run by whichever async plugin runs the test: anyio or pytest-asyncio.

The public fixtures are sync: they pick the async layer fixture that runs on the test's event loop and hand out
sessions of it (making an AsyncSession needs no loop). The layer fixtures exist twice over: plain async fixtures,
which anyio runs for ``@pytest.mark.anyio`` tests, and pytest-asyncio fixtures, one per event-loop scope, registered
only when pytest-asyncio is installed.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import types

import pytest

from sqlalchemy_session_spec import settings
from sqlalchemy_session_spec.layers import AsyncLayer, async_engine_layer, async_savepoint_layer, shared_layer

LOOP_SCOPES = ("function", "class", "module", "package", "session")
LAYER = "_async_rollback_layer"
SHARED_LAYER = "_async_rollback_shared_layer"
NO_RUNNER = (
    "{fixture} needs an async test runner: pip install pytest-asyncio and mark the test @pytest.mark.asyncio, "
    "or mark it @pytest.mark.anyio (anyio's plugin)"
)


def _loop_scope_of_test(request) -> str:
    marker = request.node.get_closest_marker("asyncio")
    scope = marker and (marker.kwargs.get("loop_scope") or marker.kwargs.get("scope"))
    if not scope:
        try:
            scope = request.config.getini("asyncio_default_test_loop_scope")
        except ValueError:  # pytest-asyncio before 1.0: a test's loop is its own
            scope = None
    return scope or "function"


def _variant(request, base: str) -> str:
    """The name of the fixture ``base`` that runs on the requesting test's event loop."""
    shared = base == SHARED_LAYER
    if "anyio_backend" in request.fixturenames:
        return f"{base}_anyio_{request.scope}" if shared else f"{base}_anyio"
    if request.config.pluginmanager.hasplugin("asyncio"):
        loop_scope = _loop_scope_of_test(request) if _LOOP_SCOPED else "function"
        return f"{base}_asyncio_{request.scope if shared else loop_scope}"
    settings.refuse(NO_RUNNER.format(fixture=settings.asked_for(request)))


def _shared_active_or_requested(request) -> bool:
    return shared_layer(AsyncLayer) is not None or "async_rollback_shared_session" in request.fixturenames


@pytest.fixture
def _async_rollback_engine(request):
    return settings.engine(request, is_async=True)


@pytest.fixture(scope=settings.shared_scope)
def _async_rollback_shared_engine(request):
    return settings.engine(request, is_async=True)


@pytest.fixture
def async_rollback_layer(request) -> AsyncLayer:
    """The test's async rollback layer, on the test's event loop."""
    if shared_layer(AsyncLayer) is None and "async_rollback_shared_session" in request.fixturenames:
        request.getfixturevalue("async_rollback_shared_session")
    return request.getfixturevalue(_variant(request, LAYER))


@pytest.fixture
def async_rollback_connection(async_rollback_layer: AsyncLayer):
    """An AsyncConnection whose transaction is rolled back after the test."""
    return async_rollback_layer.connection


@pytest.fixture
def async_rollback_session(async_rollback_layer: AsyncLayer):
    """An AsyncSession joined to async_rollback_connection; nothing it does survives the test."""
    return async_rollback_layer.session()


@pytest.fixture
def async_rollback_sessionmaker(async_rollback_layer: AsyncLayer):
    """An async_sessionmaker whose sessions join async_rollback_connection; all are closed after the test."""
    return async_rollback_layer.sessionmaker()


@pytest.fixture
def async_rollback_factories(async_rollback_layer: AsyncLayer):
    """async_rollback_factories(maker, scoped, ...): the project's own async_sessionmaker / async_scoped_session
    objects make sessions joined to async_rollback_connection until the test ends."""
    from sqlalchemy_session_spec.plugin import PointedFactories

    with PointedFactories(async_rollback_layer) as point:
        yield point


@pytest.fixture(scope=settings.shared_scope)
def async_rollback_shared_session(request):
    """The async twin of rollback_shared_session (its tests must share its event loop)."""
    return request.getfixturevalue(_variant(request, SHARED_LAYER)).session()


def rollback_layer_for_async_tests(request) -> None:
    """The autouse fixture's async half: a layer for every test while an async shared layer is active."""
    runnable = "anyio_backend" in request.fixturenames or request.config.pluginmanager.hasplugin("asyncio")
    if runnable and _shared_active_or_requested(request):  # a sync test under anyio alone cannot have one
        request.getfixturevalue("async_rollback_layer")


async def _test_layer(_async_rollback_engine, request):
    shared = shared_layer(AsyncLayer)
    if shared is None:
        session_class = settings.session_class(request.config, is_async=True)
        async with async_engine_layer(_async_rollback_engine, session_class) as layer:
            yield layer
        return
    if shared.loop is not asyncio.get_running_loop():
        scope = request.config.getini("rollback_shared_scope")
        settings.refuse(
            f"async_rollback_shared_session runs on a {scope}-scoped event loop and this test on another: "
            f"set asyncio_default_test_loop_scope = {scope} in the pytest ini (pytest-asyncio), "
            f'or mark the tests @pytest.mark.asyncio(loop_scope="{scope}")'
        )
    async with async_savepoint_layer(shared) as layer:
        yield layer


async def _shared_layer(_async_rollback_shared_engine, request):
    session_class = settings.session_class(request.config, is_async=True)
    async with async_engine_layer(_async_rollback_shared_engine, session_class) as layer:
        layer.shared = True
        yield layer


def _copy(function, name: str):
    """A new function object with the same code: async plugins mark the function itself."""
    return types.FunctionType(function.__code__, function.__globals__, name, function.__defaults__)


def _anyio_variants() -> dict:
    variants = {f"{LAYER}_anyio": pytest.fixture(_copy(_test_layer, "layer"), name=f"{LAYER}_anyio")}
    for scope in settings.SHARED_SCOPES:
        name = f"{SHARED_LAYER}_anyio_{scope}"
        variants[name] = pytest.fixture(_copy(_shared_layer, "shared_layer"), name=name, scope=scope)
    return variants


_LOOP_SCOPED = True  # pytest-asyncio 0.24 and later: fixtures name their loop's scope


def _asyncio_variants() -> dict:
    import pytest_asyncio

    global _LOOP_SCOPED
    _LOOP_SCOPED = "loop_scope" in inspect.signature(pytest_asyncio.fixture).parameters

    def variant(function, name: str, loop_scope: str, **options):
        if _LOOP_SCOPED:
            options["loop_scope"] = loop_scope
        return pytest_asyncio.fixture(_copy(function, name), name=name, **options)

    variants = {}
    for loop_scope in LOOP_SCOPES if _LOOP_SCOPED else ("function",):
        name = f"{LAYER}_asyncio_{loop_scope}"
        variants[name] = variant(_test_layer, name, loop_scope)
    for scope in settings.SHARED_SCOPES:
        name = f"{SHARED_LAYER}_asyncio_{scope}"
        variants[name] = variant(_shared_layer, name, scope, scope=scope)
    return variants


def register_variants(config) -> None:
    """Register the layer fixtures each async plugin present can run."""
    variants = types.ModuleType("sqlalchemy_session_spec.async_variants")
    variants.__dict__.update(_anyio_variants())
    if config.pluginmanager.hasplugin("asyncio"):
        variants.__dict__.update(_asyncio_variants())
    sys.modules[variants.__name__] = variants
    config.pluginmanager.register(variants, variants.__name__)
