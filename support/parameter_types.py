"""The nouns and choices the steps match, each named once, as cucumber-ruby keeps parameter_types.rb.

A step names a type in its phrase, ``the {operation:Operation} sent no SQL``, and ``typed`` parses the phrase
with the types below: the field matches only the type's phrases, and the step receives the value the phrase
stands for. The step catalogue shows the phrase with the type's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pytest_bdd import parsers

from support import (
    async_requests,
    bulk_statements,
    carried_objects,
    code_under_test,
    families,
    joining,
    reads,
    recorded_reads,
    row_locks,
    server_timeouts,
    session_endings,
    sessions,
    sqlite_engines,
)
from support.sql_log import SAVEPOINT_VERBS, TRANSACTION_EVENTS


class Choice:
    """A parse type that matches exactly one of its phrases and converts it to the value it stands for."""

    def __init__(self, name: str, phrases: Mapping[str, object] | Iterable[str]):
        self.name = name
        self.values = dict(phrases) if isinstance(phrases, Mapping) else {phrase: phrase for phrase in phrases}
        self.pattern = "|".join(re.escape(phrase) for phrase in sorted(self.values, key=len, reverse=True))

    def __call__(self, phrase: str):
        try:
            return self.values[phrase]
        except KeyError:
            raise ValueError(f"{phrase!r} is not a {self.name}: use one of {sorted(self.values)}") from None


class ChoiceList:
    """A comma-separated list of a choice's phrases, or the word for none of them."""

    def __init__(self, name: str, phrases: Iterable[str], none: str):
        self.name = name
        self.item = Choice(name, phrases)
        self.none = none
        self.pattern = rf"{re.escape(none)}|(?:{self.item.pattern})(?:, (?:{self.item.pattern}))*"

    def __call__(self, phrase: str) -> list:
        return [] if phrase == self.none else [self.item(part) for part in phrase.split(", ")]


# what the scenario's When did, in "the flush sent no SQL"
OPERATION = Choice("Operation", ["read", "request", "refresh", "query", "flush", "commit"])
# parents and their children: each noun stands for its families.Family
PARENT = Choice("Parent", families.FAMILIES)  # user, order, invoice, cart, folder, team, album
CHILDREN = Choice("Children", families.BY_CHILDREN)  # persons, order lines, ..., members, photos
# sessions and how they read
# PostgreSQL's levels, SQLite's two (SERIALIZABLE, its default, and READ UNCOMMITTED), or the database's default
ISOLATION = Choice(
    "Isolation",
    {
        "READ COMMITTED": "READ COMMITTED",
        "REPEATABLE READ": "REPEATABLE READ",
        "SERIALIZABLE": "SERIALIZABLE",
        "READ UNCOMMITTED": "READ UNCOMMITTED",
        "the database's default": None,  # databases.DEFAULT_ISOLATION of the run's database
    },
)
ON_OFF = Choice("OnOff", {"on": True, "off": False})
IS_OR_IS_NOT = Choice("IsOrIsNot", {"is": True, "is not": False})
WAS_OR_WAS_NOT = Choice("WasOrWasNot", {"was": True, "was not": False})
IS_OR_DIFFERS = Choice("IsOrDiffers", {"is": True, "differs from": False})  # the same value, or another
# the spellings of "reload the row even though the identity map has the object": the read each stands for
SPELLING = Choice("Spelling", reads.POPULATE_EXISTING_SPELLINGS)
# how an earlier request ended its session's work without remove(), and what a thread does before reading again
REQUEST_ENDING = Choice("RequestEnding", sessions.REQUEST_ENDINGS)
TRANSACTION_STEP = Choice("TransactionStep", sessions.TRANSACTION_STEPS)
# the entity queries that send a SELECT yet return the identity map's object: the read each stands for
ENTITY_QUERY = Choice("EntityQuery", reads.ENTITY_QUERIES)
# a child, in the singular: person, order line, invoice line, cart item, document, member, photo
CHILD = Choice("Child", families.BY_CHILD)
# a read whose statements and loads the plugin records: the object it returns
ENTITY_READ = Choice("EntityRead", recorded_reads.ENTITY_READS)
# a Flask application's scoped session: is it removed at the end of each request?
SESSION_LIFETIME = Choice("SessionLifetime", {"never removed": False, "removed at the end of each request": True})
# the rows of a served HR application's table: setting | yes or no, as the server's keyword arguments
SERVER_SETTING = Choice(
    "ServerSetting",
    {
        "scoped session removed at teardown": "remove_at_teardown",
        "application holds served employees": "hold_served",
        "a new session for every request": "session_per_request",  # the FastAPI app's dependency
        "transactions at REPEATABLE READ": "repeatable_read",
        "FastAPI dependency closes its session": "dependency_closes_session",
        "request-boundary monitor installed": "monitor",  # support.apps.monitoring
        "active-session gauge on /metrics": "metrics",
        "the request that keeps an employee commits": "commit_after_keeping",  # support.apps.flask_sqlalchemy_hr
        "db.session expires on commit": "expire_on_commit",
    },
)
YES_NO = Choice("YesNo", {"yes": True, "no": False})
# how the request-boundary monitor watches a Flask application: (given its scoped_session?, raising?)
MONITOR_SETUP = Choice(
    "MonitorSetup",
    {
        "given its scoped_session": (True, False),
        "given its scoped_session, raising in development": (True, True),
        "given no scoped_session": (False, False),
    },
)
# the test's outer transaction and the session joined to it
JOIN_MODE = Choice("JoinMode", ["conditional_savepoint", "create_savepoint", "rollback_only", "control_fully"])
RECIPE = Choice("Recipe", joining.RECIPES)  # the 1.4-era savepoint recipes
SESSION_KIND = Choice("SessionKind", {"a": False, "a 1.4 future": True})  # is it 1.4's Session(future=True)?
CODE_ACTION = Choice("CodeAction", code_under_test.ACTIONS)  # what the code under test does with its session
TRANSACTION_CONTROL = ChoiceList(
    "TransactionControl", [*(name.upper() for name in TRANSACTION_EVENTS), *SAVEPOINT_VERBS], none="nothing"
)
CAN_OR_CANNOT = Choice("CanOrCannot", {"can": True, "cannot": False})
COMMIT_FATE = Choice("CommitFate", {"committed": True, "missing: the commit was lost": False})  # was it kept?
PAYMENT = Choice("Payment", ["accepted", "declined"])  # the shop's checkout
PYTHON_BOOLEAN = Choice("PythonBoolean", {"True": True, "False": False})  # a keyword argument in a mapping
# bulk statements through a session: the spelling, the WHERE clause, the synchronize_session value
BULK_UPDATE = Choice("BulkUpdate", bulk_statements.UPDATES)
BULK_DELETE = Choice("BulkDelete", bulk_statements.DELETES)
CRITERION = Choice("Criterion", bulk_statements.CRITERIA)
SYNCHRONIZE_SESSION = Choice("SynchronizeSession", bulk_statements.STRATEGIES)
HOLDS = Choice("Holds", {"still holds": True, "no longer holds": False})  # is the object still in the session?
# how a session's work ends: close() or reset(), and whether close() is final
SESSION_END = Choice("SessionEnd", session_endings.ENDINGS)
SESSION_OPTION = Choice("SessionOption", session_endings.OPTIONS)  # keyword arguments of Session()
# objects carried across requests: how the carrying request ended, how the next request's session takes it in
CARRIED_ENDING = Choice("CarriedEnding", {"closed its session": False, "committed, expiring it": True})
TAKING = Choice("Taking", carried_objects.TAKINGS)
# the server's idle timeouts: what each ends; and the pool's own checks, as create_engine() keyword arguments
IDLE_TIMEOUT = Choice("IdleTimeout", server_timeouts.IDLE_TIMEOUTS)
POOL_OPTIONS = Choice("PoolOptions", server_timeouts.POOL_OPTIONS)
ASYNC_SESSION_KIND = Choice("AsyncSessionKind", async_requests.ASYNC_SESSIONS)  # keyword arguments of AsyncSession()
READ_AFTER_COMMIT = Choice("ReadAfterCommit", async_requests.READS_AFTER_COMMIT)  # touched, refreshed or awaited
# does the test push an application context around the requests it makes in process? (support.apps.flask_sqlalchemy_hr)
APP_CONTEXT_USE = Choice(
    "AppContextUse",
    {"inside one application context the test has pushed": True, "with no application context pushed": False},
)
# where the Flask-SQLAlchemy application keeps an employee for later requests (support.apps.flask_sqlalchemy_hr)
KEEPING_PLACE = Choice(
    "KeepingPlace", {"a module global": "global", "a module global, by its primary key": "key", "flask.g": "g"}
)
# what a scenario takes away from its engines' setup on SQLite: the SqliteSettings field it turns off
SQLITE_SETTING_OFF = Choice("SqliteSettingOff", sqlite_engines.SETTINGS_OFF)
# what a scenario gives its engines on SQLite that they lack by default: the SqliteSettings field it turns on
SQLITE_SETTING_ON = Choice("SqliteSettingOn", sqlite_engines.SETTINGS_ON)
# row locks: the code under test's read of an order, what another connection tries, and when
ORDER_READ = Choice("OrderRead", row_locks.READS)
OTHER_CHANGE = Choice("OtherChange", row_locks.CHANGES)
TEST_MOMENT = Choice("TestMoment", {"while the test is still running": False, "after the test's outer rollback": True})

TYPES = {
    choice.name: choice
    for choice in (
        OPERATION, PARENT, CHILDREN,
        ISOLATION, ON_OFF, IS_OR_IS_NOT, WAS_OR_WAS_NOT, IS_OR_DIFFERS, SPELLING, ENTITY_READ,
        SESSION_LIFETIME, SERVER_SETTING, YES_NO, REQUEST_ENDING, TRANSACTION_STEP, ENTITY_QUERY, CHILD,
        MONITOR_SETUP,
        JOIN_MODE, RECIPE, SESSION_KIND, CODE_ACTION, TRANSACTION_CONTROL, CAN_OR_CANNOT, COMMIT_FATE,
        PAYMENT, PYTHON_BOOLEAN,
        BULK_UPDATE, BULK_DELETE, CRITERION, SYNCHRONIZE_SESSION, HOLDS, SESSION_END, SESSION_OPTION,
        CARRIED_ENDING, TAKING, IDLE_TIMEOUT, POOL_OPTIONS,
        ASYNC_SESSION_KIND, READ_AFTER_COMMIT,
        KEEPING_PLACE, APP_CONTEXT_USE,
        SQLITE_SETTING_OFF, SQLITE_SETTING_ON,
        ORDER_READ, OTHER_CHANGE, TEST_MOMENT,
    )
}  # fmt: skip


def typed(phrase: str) -> parsers.parse:
    """A step parser for ``phrase`` that knows every type above (case-sensitive, as the features are written)."""
    return parsers.parse(phrase, extra_types=TYPES, case_sensitive=True)
