"""The session-leak check: a test fails, one line per leak, when a Session it made still holds something once its
fixtures are torn down, or when a scoped_session registry entry made during it was never removed.

The test's sessions are those SQLAlchemy made after the test's function-scoped fixtures began (its weak registry
``_sessions`` is keyed by a counter, so "made since" is a comparison): sessions of session-, package- and
module-scoped fixtures, set up before, are not the test's. Sessions of the plugin's own active rollback layers are
never reported. A Session that begins a transaction during the test is kept referenced until the check has run:
one left in a transaction is only reachable through its own reference cycle (Session <-> SessionTransaction),
and still holds its connection until the garbage collector happens to run, so without that reference the
verdict would depend on when the collector ran. Registry entries are seen by wrapping the registry's
``createfunc`` for the test (what it made, on which thread); whether each is still an entry is read at the end.

Registered as a plugin (its autouse fixture runs the check for every test) only when ``session_leak_check`` is
``warn`` or ``fail``; the ``session_leak_check`` fixture of plugin.py runs it for one test whatever the option.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm import session as orm_session

from sqlalchemy_session_spec.census import Census, holdings, process_census
from sqlalchemy_session_spec.layers import ACTIVE
from sqlalchemy_session_spec.session_classes import BadSessionClass, import_dotted

MODES = ("off", "warn", "fail")
MODE_OPTION = "session_leak_check"
REGISTRIES_OPTION = "session_leak_registries"
MARKER = "session_leak_allowed"
LEAKS = pytest.StashKey[list]()  # on the test's item: the lines its check failed it with
NAMED = pytest.StashKey[list]()  # on the config: the ini option's registries, imported once


class SessionLeakWarning(pytest.PytestWarning):
    """A session or registry entry outlived its test (session_leak_check = warn)."""


def mode(config) -> str:
    return config.getini(MODE_OPTION)


def check_mode(config) -> None:
    value = mode(config)
    if value not in MODES:
        raise pytest.UsageError(f"{MODE_OPTION} = {value} is not a choice: use off, warn or fail")


def named_registries(config) -> list[tuple[str, object]]:
    """The registries the ini option names, imported; a path that does not import, or names no registry, refused."""
    found = []
    for path in config.getini(REGISTRIES_OPTION):
        try:
            registry = import_dotted(path, REGISTRIES_OPTION)
        except BadSessionClass as error:
            message = str(error).replace("a class such as sqlmodel.Session", "a scoped_session")
            raise pytest.UsageError(message) from None
        if not _is_registry(registry):
            raise pytest.UsageError(
                f"{REGISTRIES_OPTION}: {path} is {type(registry).__name__}, not a scoped_session: name the registry"
            )
        found.append((path, registry))
    return found


def _is_registry(candidate) -> bool:
    from sqlalchemy_session_spec.compat import async_scoped_session

    return isinstance(candidate, (scoped_session, async_scoped_session))


@dataclass
class Entry:
    """A session a watched registry made during the test, and the thread it was made for."""

    session: weakref.ref  # to a Session, or an AsyncSession (async_scoped_session)
    watched: WatchedRegistry
    thread_id: int
    thread_name: str

    def still_in_the_registry(self):
        """The entry's session if its registry still holds it, else None.

        A keyed registry (async_scoped_session's) is a dict: looked up. A thread-local one is read on this thread;
        another thread's entry cannot be read from here, so it counts as held while the session is alive: remove()
        closes the session before dropping it, and a closed Session nothing else references is freed at once.
        """
        session = self.session()
        if session is None:
            return None
        registry = self.watched.registry
        if self.watched.keyed:
            held = any(value is session for value in list(registry.registry.values()))
        elif self.thread_id == threading.get_ident():
            held = registry.has() and registry() is session
        else:
            held = True
        return session if held else None


class WatchedRegistry:
    """One scoped registry whose ``createfunc`` notes each entry it makes during the test; restored afterwards."""

    def __init__(self, watch: Watch, scoped, name: str) -> None:
        self.registry = scoped.registry
        self.original_createfunc = self.registry.createfunc
        self.keyed = isinstance(getattr(self.registry, "registry", None), dict)  # async: a dict of scopes
        self.name = name
        original = self.original_createfunc

        def create():
            made = original()
            thread = threading.current_thread()
            watch.entries.append(Entry(weakref.ref(made), self, thread.ident or 0, thread.name))
            return made

        self.registry.createfunc = create

    def restore(self) -> None:
        self.registry.createfunc = self.original_createfunc


@dataclass
class Watch:
    """One test's watch: the sessions made after ``newest_key_before``, the registries watched, their entries."""

    census: Census
    newest_key_before: int
    begun: list = field(default_factory=list)  # sessions that began during the test, kept until the check
    entries: list = field(default_factory=list)
    registries: dict = field(default_factory=dict)  # id(registry object) -> WatchedRegistry

    def watch_registry(self, scoped, name: str | None = None) -> None:
        if id(scoped.registry) not in self.registries:
            self.registries[id(scoped.registry)] = WatchedRegistry(self, scoped, name or _registry_name(scoped))

    def made_during_the_test(self) -> list[Session]:
        return [
            session
            for key, session in list(orm_session._sessions.items())
            if key > self.newest_key_before and isinstance(session, Session)
        ]

    def leaks(self) -> list[str]:
        """One line per leak: a session of the test still holding something, or an entry never removed."""
        made = self.made_during_the_test()
        if not made and not self.entries:
            return []
        own = _sessions_of_active_layers(made)
        holding = [session for session in made if id(session) not in own and holdings(session)]
        del made
        self.begun.clear()  # a session removed from its registry (closed, referenced nowhere) is freed now
        in_registries = {}
        for entry in self.entries:
            session = entry.still_in_the_registry()
            if session is not None and id(_sync(session)) not in own:
                in_registries[id(_sync(session))] = (_sync(session), entry)
        lines = [self.describe(session, in_registries.pop(id(session), (None, None))[1]) for session in holding]
        lines.extend(self.describe(session, entry) for session, entry in in_registries.values())
        return lines

    def describe(self, session: Session, entry: Entry | None) -> str:
        if self.census.begin_of(session) is None:
            name = f"{type(session).__name__} at 0x{id(session):x}"
            line = f"{name}, never began a transaction, still holding {holdings(session)}"
        else:
            line = self.census.describe(session)
        if entry is not None:
            line += f"; the entry of {entry.watched.name} for thread {entry.thread_name}, never removed"
        return line

    def end(self) -> None:
        for watched in self.registries.values():
            watched.restore()
        self.begun.clear()


def _sync(session) -> Session:
    """The Session behind an AsyncSession (the census and SQLAlchemy's registry know only that one)."""
    return getattr(session, "sync_session", session)


def _registry_name(scoped) -> str:
    return f"{type(scoped).__name__} at 0x{id(scoped):x}"


def _sessions_of_active_layers(candidates: list[Session]) -> set[int]:
    """The plugin's own sessions among ``candidates``: those of an active rollback layer (a shared one outlives
    tests), made by it or bound to its connection."""
    if not ACTIVE:
        return set()
    own = {id(_sync(session)) for layer in ACTIVE for session in layer.sessions}
    connections = {id(getattr(layer.connection, "sync_connection", layer.connection)) for layer in ACTIVE}
    own.update(id(session) for session in candidates if id(getattr(session, "bind", None)) in connections)
    return own


_current: Watch | None = None  # the running test's watch, if it is checked


def _keep_begun(session: Session, transaction) -> None:
    watch = _current
    if watch is not None and transaction.parent is None:
        watch.begun.append(session)


_listening = False


def start_watch() -> Watch:
    global _current, _listening
    census = process_census()
    if not _listening:
        event.listen(Session, "after_transaction_create", _keep_begun)
        _listening = True
    _current = Watch(census, orm_session._new_sessionid())
    return _current


def end_watch(watch: Watch) -> list[str]:
    """The leaks found; the watch ended (registries restored, kept sessions let go)."""
    global _current
    try:
        return watch.leaks()
    finally:
        watch.end()
        _current = None


def report(request, lines: list[str]) -> None:
    """fail: the test fails with the lines (plugin.py makes pytest count it as failed); warn: a warning each."""
    if not lines or request.node.get_closest_marker(MARKER) is not None:
        return
    if mode(request.config) == "warn":
        for line in lines:
            request.node.warn(SessionLeakWarning(f"session leak: {line}"))  # located at the test
        return
    request.node.stash[LEAKS] = lines
    pytest.fail("\n".join(f"session leak: {line}" for line in lines), pytrace=False)


def registries_given(given) -> list[tuple[str | None, object]]:
    """The registries the project's ``session_leak_registries`` fixture gave: an iterable, or names to registries."""
    given = given or ()
    pairs = list(given.items()) if isinstance(given, Mapping) else [(None, registry) for registry in given]
    for _, registry in pairs:
        if not _is_registry(registry):
            pytest.fail(
                f"session_leak_registries gave {registry!r}, not a scoped_session: return your registries from it",
                pytrace=False,
            )
    return pairs


@pytest.fixture(autouse=True)
def _session_leak_check_for_every_test(session_leak_check) -> None:
    """session_leak_check = warn or fail: every test is checked."""


def registries_named(config) -> list[tuple[str, object]]:
    """The ini option's registries: imported at configure when the check is on, else at the first checked test."""
    if NAMED not in config.stash:
        try:
            config.stash[NAMED] = named_registries(config)
        except pytest.UsageError as error:
            pytest.fail(str(error), pytrace=False)
    return config.stash[NAMED]


def watch_registries_of(factories) -> None:
    """rollback_factories pointed these at the test's connection: the running watch, if any, watches the scoped ones."""
    watch = _current
    if watch is not None:
        for factory in factories:
            if _is_registry(factory):
                watch.watch_registry(factory)
