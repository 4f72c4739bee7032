"""The example domains the features talk about.

Classic ``Column`` declarations on ``declarative_base()`` from ``sqlalchemy.orm`` map the same on
SQLAlchemy 1.4, 2.0 and 2.1.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Employee(Base):
    """The HR record of the request-boundary incident."""

    __tablename__ = "employees"

    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(String(100), nullable=False)
    email = Column(String(200), nullable=False)

    def __repr__(self) -> str:
        return f"Employee(id={self.id!r}, email={self.email!r})"


# --- cascades: a parent and its children, one relationship configuration per pair --------------


class User(Base):
    """The upgrade note's case: persons linked to their user through a backref, cascade "all, delete"."""

    __tablename__ = "users"

    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(String(100), nullable=False)
    persons = relationship("Person", back_populates="user", cascade="all, delete")


class Person(Base):
    __tablename__ = "persons"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), index=True)
    user = relationship("User", back_populates="persons")


def _parent_with_children(
    parent: str,
    child: str,
    collection: str,
    back: str,
    doc: str,
    *,
    nullable: bool,
    cascade: str | None = None,
    passive_deletes: bool = False,
    ondelete: str | None = None,
) -> tuple[type, type]:
    """One pair: ``parent`` (table: its name in snake case, plural) with ``collection``, a relationship to ``child``
    configured by ``cascade`` and ``passive_deletes`` (SQLAlchemy's defaults when not given); ``child`` with a
    foreign key to its parent (``nullable``, with ``ondelete``) and ``back``, the other side. Both ids are given,
    never generated."""
    parent_table, child_table = _table_name(parent), _table_name(child)
    options = {"cascade": cascade} if cascade else {}
    options.update({"passive_deletes": True} if passive_deletes else {})
    parent_class = type(parent, (Base,), {
        "__doc__": doc,
        "__module__": __name__,
        "__tablename__": parent_table,
        "id": Column(Integer, primary_key=True, autoincrement=False),
        collection: relationship(child, back_populates=back, **options),
    })  # fmt: skip
    child_class = type(child, (Base,), {
        "__module__": __name__,
        "__tablename__": child_table,
        "id": Column(Integer, primary_key=True, autoincrement=False),
        f"{back}_id": Column(Integer, ForeignKey(f"{parent_table}.id", ondelete=ondelete), nullable=nullable),
        back: relationship(parent, back_populates=collection),
    })  # fmt: skip
    return parent_class, child_class


def _table_name(class_name: str) -> str:
    """``OrderLine`` -> ``order_lines``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower() + "s"


Order, OrderLine = _parent_with_children(
    "Order", "OrderLine", "lines", "order", "The default cascade (save-update, merge): deleting an order leaves its "
    "lines, unlinked.", nullable=True,
)  # fmt: skip
Invoice, InvoiceLine = _parent_with_children(
    "Invoice", "InvoiceLine", "lines", "invoice", "The default cascade again, but an invoice line cannot exist without "
    "its invoice (NOT NULL).", nullable=False,
)  # fmt: skip
Cart, CartItem = _parent_with_children(
    "Cart", "CartItem", "items", "cart", 'cascade "all, delete-orphan": an item taken out of its cart is deleted.',
    nullable=False, cascade="all, delete-orphan",
)  # fmt: skip
Folder, Document = _parent_with_children(
    "Folder", "Document", "documents", "folder", "passive_deletes=True: the database's ON DELETE CASCADE removes "
    "documents the Session has not loaded.", nullable=False, cascade="all, delete", passive_deletes=True,
    ondelete="CASCADE",
)  # fmt: skip
Team, Member = _parent_with_children(
    "Team", "Member", "members", "team", 'cascade "all, delete-orphan" with a nullable foreign key: nothing but the '
    "cascade ties a member to a team.", nullable=True, cascade="all, delete-orphan",
)  # fmt: skip
Album, Photo = _parent_with_children(
    "Album", "Photo", "photos", "album", "passive_deletes=True with the default cascade, and ON DELETE CASCADE on a "
    "nullable foreign key.", nullable=True, passive_deletes=True, ondelete="CASCADE",
)  # fmt: skip


class ShopOrder(Base):
    """The savepoint features' order: code under test changes its state and commits."""

    __tablename__ = "shop_orders"

    id = Column(Integer, primary_key=True, autoincrement=False)
    state = Column(String(20), nullable=False)
