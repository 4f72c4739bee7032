"""The nouns and choices the steps match, each named once, as cucumber-ruby keeps parameter_types.rb.

A step names a type in its phrase, ``the {operation:Operation} sent no SQL``, and ``typed`` parses the phrase
with the types below: the field matches only the type's phrases, and the step receives the value the phrase
stands for. The step catalogue shows the phrase with the type's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pytest_bdd import parsers

from support import code_under_test, families, joining, reads
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
PARENT = Choice("Parent", families.FAMILIES)  # user, order, invoice, cart, folder
CHILDREN = Choice("Children", families.BY_CHILDREN)  # persons, order lines, invoice lines, cart items, documents
# sessions and how they read
ISOLATION = Choice("Isolation", ["READ COMMITTED", "REPEATABLE READ"])
ON_OFF = Choice("OnOff", {"on": True, "off": False})
IS_OR_IS_NOT = Choice("IsOrIsNot", {"is": True, "is not": False})
# the spellings of "reload the row even though the identity map has the object": the read each stands for
SPELLING = Choice("Spelling", reads.POPULATE_EXISTING_SPELLINGS)
# a Flask application's scoped session: is it removed at the end of each request?
SESSION_LIFETIME = Choice("SessionLifetime", {"never removed": False, "removed at the end of each request": True})
# the rows of a served HR application's table: setting | yes or no, as the server's keyword arguments
SERVER_SETTING = Choice(
    "ServerSetting",
    {"scoped session removed at teardown": "remove_at_teardown", "application holds served employees": "hold_served"},
)
YES_NO = Choice("YesNo", {"yes": True, "no": False})
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

TYPES = {
    choice.name: choice
    for choice in (
        OPERATION, PARENT, CHILDREN,
        ISOLATION, ON_OFF, IS_OR_IS_NOT, SPELLING, SESSION_LIFETIME, SERVER_SETTING, YES_NO,
        JOIN_MODE, RECIPE, SESSION_KIND, CODE_ACTION, TRANSACTION_CONTROL, CAN_OR_CANNOT, COMMIT_FATE,
        PAYMENT, PYTHON_BOOLEAN,
    )
}  # fmt: skip


def typed(phrase: str) -> parsers.parse:
    """A step parser for ``phrase`` that knows every type above (case-sensitive, as the features are written)."""
    return parsers.parse(phrase, extra_types=TYPES, case_sensitive=True)
