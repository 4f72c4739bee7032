"""The plain context managers, for use outside pytest (and by the specification's own features)."""

from __future__ import annotations

from contextlib import asynccontextmanager, contextmanager

from sqlalchemy.orm import Session

from sqlalchemy_session_spec.layers import async_engine_layer, engine_layer
from sqlalchemy_session_spec.session_classes import check_async_session_class, check_session_class


@contextmanager
def rolled_back_session(engine, class_: type = Session, **session_options):
    """A Session (of ``class_``) whose every change, committed or not, is rolled back at the end of the block."""
    with engine_layer(engine, check_session_class(class_)) as layer:
        yield layer.session(**session_options)


@asynccontextmanager
async def rolled_back_async_session(async_engine, class_: type | None = None, **session_options):
    """An AsyncSession (of ``class_``) whose every change is rolled back at the end of the block."""
    async with async_engine_layer(async_engine, check_async_session_class(class_)) as layer:
        yield layer.session(**session_options)
