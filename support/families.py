"""Parents and their children, in the example domains of the cascade features."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from support.models import (
    Album,
    Cart,
    CartItem,
    Document,
    Folder,
    Invoice,
    InvoiceLine,
    Member,
    Order,
    OrderLine,
    Person,
    Photo,
    Team,
    User,
)


@dataclass(frozen=True)
class Family:
    parent: str  # the parent noun the features use: user, order, invoice, cart, folder, team, album
    children: str  # the children's plural the features use: persons, order lines, ...
    parent_class: type
    collection: str  # the parent's relationship to its children
    child_class: type
    foreign_key: str  # the child's column that points at its parent
    child: str  # one child, as the features name it: person, order line, ...


FAMILIES = {
    family.parent: family
    for family in (
        Family("user", "persons", User, "persons", Person, "user_id", "person"),
        Family("order", "order lines", Order, "lines", OrderLine, "order_id", "order line"),
        Family("invoice", "invoice lines", Invoice, "lines", InvoiceLine, "invoice_id", "invoice line"),
        Family("cart", "cart items", Cart, "items", CartItem, "cart_id", "cart item"),
        Family("folder", "documents", Folder, "documents", Document, "folder_id", "document"),
        Family("team", "members", Team, "members", Member, "team_id", "member"),
        Family("album", "photos", Album, "photos", Photo, "album_id", "photo"),
    )
}
BY_CHILDREN = {family.children: family for family in FAMILIES.values()}
BY_CHILD = {family.child: family for family in FAMILIES.values()}


def family(parent: str) -> Family:
    return FAMILIES[parent]


@dataclass(frozen=True)
class LoadedParent:
    """A parent a session has loaded, kept referenced as application code would (the identity map holds it weakly)."""

    session: Session
    family: Family
    parent_id: int
    parent: object

    def named(self, family: Family, parent_id: int):
        """The loaded parent, checked to be the one a step names."""
        if (family, parent_id) != (self.family, self.parent_id):
            raise LookupError(
                f"the session loaded {self.family.parent} {self.parent_id}, not {family.parent} {parent_id}"
            )
        return self.parent


def load_parent(session: Session, family: Family, parent_id: int) -> LoadedParent:
    return LoadedParent(session, family, parent_id, session.get(family.parent_class, parent_id))


def store_family(connection: Connection, family: Family, parent_id: int, child_ids: list[int]) -> None:
    values = {"id": parent_id, **({"name": f"User {parent_id}"} if family.parent_class is User else {})}
    connection.execute(insert(family.parent_class).values(**values))
    if child_ids:
        connection.execute(insert(family.child_class), [{"id": n, family.foreign_key: parent_id} for n in child_ids])


def new_child(family: Family, child_id: int):
    """A new child that belongs to no parent."""
    return family.child_class(id=child_id)


def children_as_stored(connection: Connection, family: Family) -> dict[int, int | None]:
    """Every stored child of the family's kind: id -> the parent id it points to (None when unlinked)."""
    column = getattr(family.child_class, family.foreign_key)
    return dict(connection.execute(select(family.child_class.id, column)).all())
