"""The Session class a layer hands out: sqlalchemy's own, or a subclass such as SQLModel's."""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session


class BadSessionClass(TypeError):
    """A session class that is not a Session (or AsyncSession) subclass, or a dotted path that names nothing."""


def check_session_class(class_: type) -> type:
    if not (isinstance(class_, type) and issubclass(class_, Session)):
        raise BadSessionClass(f"{class_!r} is not a subclass of sqlalchemy.orm.Session: pass a Session class")
    return class_


def check_async_session_class(class_: type | None) -> type:
    from sqlalchemy.ext.asyncio import AsyncSession

    if class_ is None:
        return AsyncSession
    if not (isinstance(class_, type) and issubclass(class_, AsyncSession)):
        raise BadSessionClass(
            f"{class_!r} is not a subclass of sqlalchemy.ext.asyncio.AsyncSession: pass an AsyncSession class"
        )
    return class_


def import_dotted(path: str, option: str) -> object:
    """``package.module.Name`` (or ``package.module:Name``) imported; one line naming the option when it fails."""
    module_name, _, attribute = path.replace(":", ".").rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise BadSessionClass(
            f"{option} = {path} cannot be imported ({error}): name a class such as sqlmodel.Session"
        ) from None
