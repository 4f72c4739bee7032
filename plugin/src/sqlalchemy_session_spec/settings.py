"""The ini options, and the project's fixtures and classes they name, each refused in one line when wrong."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from sqlalchemy_session_spec.session_classes import (
    BadSessionClass,
    check_async_session_class,
    check_session_class,
    import_dotted,
)
from sqlalchemy_session_spec.sqlite import SavepointUnsupported, make_savepoints_work

OPTIONS = {
    "rollback_engine_fixture": ("the project's fixture returning a sync Engine", "engine"),
    "rollback_async_engine_fixture": ("the project's fixture returning an AsyncEngine", "async_engine"),
    "rollback_session_class": ("dotted path of the Session class, e.g. sqlmodel.Session", "sqlalchemy.orm.Session"),
    "rollback_async_session_class": (
        "dotted path of the AsyncSession class, e.g. sqlmodel.ext.asyncio.session.AsyncSession",
        "sqlalchemy.ext.asyncio.AsyncSession",
    ),
    "rollback_shared_scope": ("scope of rollback_shared_session and its async twin: module or session", "module"),
}
SHARED_SCOPES = ("module", "session")


def add_options(parser) -> None:
    for name, (help_text, default) in OPTIONS.items():
        parser.addini(name, help_text, default=default)
    parser.addini(
        "session_leak_check",
        "off (default), warn or fail: check every test for sessions and scoped_session entries it left behind",
        default="off",
    )
    parser.addini(
        "session_leak_registries",
        "dotted paths of scoped_session registries the leak check watches, e.g. myapp.db.Session",
        type="linelist",
        default=[],
    )


def check_options(config) -> None:
    scope = config.getini("rollback_shared_scope")
    if scope not in SHARED_SCOPES:
        raise pytest.UsageError(f"rollback_shared_scope = {scope} is not a scope it can have: use module or session")


def shared_scope(fixture_name: str, config) -> str:
    return config.getini("rollback_shared_scope")


FIXTURES = ("connection", "session", "sessionmaker", "factories", "shared_session")
PUBLIC_FIXTURES = {f"{prefix}rollback_{name}" for prefix in ("", "async_") for name in FIXTURES}


def asked_for(request) -> str:
    """For messages: the plugin's fixture the test asked for, else the one being set up."""
    asked = getattr(request.node, "fixturenames", ())
    return next((name for name in asked if name in PUBLIC_FIXTURES), request.fixturename)


def refuse(message: str):
    """Fail the fixture with one line and no traceback."""
    pytest.fail(message, pytrace=False)


def session_class(config, is_async: bool = False) -> type:
    option = "rollback_async_session_class" if is_async else "rollback_session_class"
    try:
        found = import_dotted(config.getini(option), option)
        return check_async_session_class(found) if is_async else check_session_class(found)
    except BadSessionClass as error:
        refuse(f"{option}: {error}")


def _is_engine(found, is_async: bool) -> bool:
    if is_async:
        from sqlalchemy.ext.asyncio import AsyncEngine

        return isinstance(found, AsyncEngine)
    return isinstance(found, Engine)


def engine(request, is_async: bool = False):
    """The project's engine fixture named by the ini option."""
    option = "rollback_async_engine_fixture" if is_async else "rollback_engine_fixture"
    name = request.config.getini(option)
    kind = "an AsyncEngine" if is_async else "an Engine"
    try:
        found = request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        refuse(
            f"{asked_for(request)} needs a fixture named {name!r} returning {kind}: define it in conftest.py, "
            f"or set {option} = <your fixture's name> in the pytest ini"
        )
    except pytest.fail.Exception as error:
        if "ScopeMismatch" not in str(error):
            raise
        refuse(
            f"{request.fixturename} has {request.scope} scope, so the engine fixture {name!r} needs {request.scope} "
            f'scope or broader: declare it @pytest.fixture(scope="session")'
        )
    if not _is_engine(found, is_async):
        refuse(
            f"the fixture {name!r} ({option}) returned {type(found).__name__}, not {kind}: "
            f"return the engine from it, or name your engine fixture in {option}"
        )
    try:
        make_savepoints_work(getattr(found, "sync_engine", found))
    except SavepointUnsupported as error:
        refuse(str(error))
    return found
