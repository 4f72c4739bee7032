"""Pointing a project's own session factories at a rollback layer for one test, and back.

A ``sessionmaker`` / ``async_sessionmaker`` keeps its configuration in ``.kw``; for the test it is bound to the
layer's connection and joined the recommended way (``binds`` are set aside: everything goes to the test's connection).
A ``scoped_session`` is emptied before and after, and its factory pointed as above.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from sqlalchemy.orm import Session, scoped_session, sessionmaker

from sqlalchemy_session_spec.joining import join_options
from sqlalchemy_session_spec.layers import AsyncLayer, Layer


class NotAFactory(TypeError):
    """Something rollback_factories cannot point at the test's connection."""


@contextmanager
def _configured(maker, **options):
    saved = dict(maker.kw)
    maker.kw.pop("binds", None)
    maker.kw.update(options)
    try:
        yield maker
    finally:
        maker.kw.clear()
        maker.kw.update(saved)


@contextmanager
def _sync_maker_on(layer: Layer, maker: sessionmaker):
    with _configured(maker, bind=layer.connection, **join_options()):
        layer.track(maker)
        if layer.restarter is not None:
            layer.restarter.listen(maker)
        try:
            yield
        finally:
            layer.untrack(maker)
            if layer.restarter is not None:
                layer.restarter.unlisten(maker)


@contextmanager
def _async_maker_on(layer: AsyncLayer, maker):
    sync_class = layer.sync_session_class(maker.kw.get("sync_session_class"))
    with _configured(maker, bind=layer.connection, sync_session_class=sync_class, **join_options()):
        yield


def _empty(scoped) -> None:
    """Forget the sessions of a scoped registry: every scope of a keyed one (e.g. per task), else this thread's."""
    registry = scoped.registry
    if isinstance(getattr(registry, "registry", None), dict):
        registry.registry.clear()
    else:
        registry.clear()


@contextmanager
def _scoped_on(layer, scoped, point_factory):
    _empty(scoped)  # a session made before the test is not the test's
    with point_factory(layer, scoped.session_factory):
        try:
            yield
        finally:
            _empty(scoped)  # the layer closes the sessions it made


def _is_sync_maker(factory) -> bool:
    return isinstance(factory, sessionmaker) and issubclass(factory.class_, Session)


def _pointer(layer, factory):
    from sqlalchemy_session_spec.compat import async_scoped_session, async_sessionmaker

    if isinstance(layer, Layer):
        if isinstance(factory, scoped_session) and _is_sync_maker(factory.session_factory):
            return _scoped_on(layer, factory, _sync_maker_on)
        if _is_sync_maker(factory):
            return _sync_maker_on(layer, factory)
        wanted = "a sessionmaker or scoped_session (async ones go to async_rollback_factories)"
    else:
        if isinstance(factory, async_scoped_session):
            return _scoped_on(layer, factory, _async_maker_on)
        if isinstance(factory, async_sessionmaker) and not _is_sync_maker(factory):
            return _async_maker_on(layer, factory)
        wanted = "an async_sessionmaker or async_scoped_session (sync ones go to rollback_factories)"
    raise NotAFactory(f"cannot point {factory!r} at the test's connection: pass {wanted}")


@contextmanager
def factories_pointed_at(layer, factories):
    """Every factory in ``factories`` makes sessions joined to ``layer`` until the block ends."""
    pointers = [_pointer(layer, factory) for factory in factories]  # all refused before any is changed
    with ExitStack() as stack:
        for pointer in pointers:
            stack.enter_context(pointer)
        yield
