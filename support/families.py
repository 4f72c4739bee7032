"""Parents and their children, in the example domains of the cascade features."""

from __future__ import annotations

import re

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from support.models import PARENTS_AND_CHILDREN, User

PARENT_NOUNS = "|".join(PARENTS_AND_CHILDREN)
CHILD_PLURALS = {"persons": "person", "order lines": "order", "invoice lines": "invoice", "cart items": "cart",
                 "documents": "folder"}  # fmt: skip
CHILDREN_NOUNS = "|".join(CHILD_PLURALS)


def family(parent: str):
    """(parent class, collection name, child noun, child class, foreign key column) of a parent noun."""
    return PARENTS_AND_CHILDREN[parent]


def store_family(connection: Connection, parent: str, parent_id: int, child_ids: list[int]) -> None:
    parent_class, _, _, child_class, foreign_key = family(parent)
    values = {"id": parent_id, **({"name": f"User {parent_id}"} if parent_class is User else {})}
    connection.execute(insert(parent_class).values(**values))
    if child_ids:
        connection.execute(insert(child_class), [{"id": n, foreign_key: parent_id} for n in child_ids])


def children_as_stored(connection: Connection, parent: str) -> dict[int, int | None]:
    """Every stored child of the parent's kind: id -> the parent id it points to (None when unlinked)."""
    _, _, _, child_class, foreign_key = family(parent)
    column = getattr(child_class, foreign_key)
    return dict(connection.execute(select(child_class.id, column)).all())


def statement_targets(statements: list[str]) -> list[tuple[str, str]]:
    """(verb, table) of each statement: ('SELECT', 'orders'), ('DELETE', 'order_lines'), ..."""
    targets = []
    for statement in statements:
        text = " ".join(statement.split())
        verb = text.split(None, 1)[0].upper()
        found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", text, re.IGNORECASE)
        targets.append((verb, found.group(1) if found else ""))
    return targets
