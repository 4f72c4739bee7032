"""The example domains the features talk about.

Classic ``Column`` declarations on ``declarative_base()`` from ``sqlalchemy.orm`` map the same on
SQLAlchemy 1.4, 2.0 and 2.1.
"""

from __future__ import annotations

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


class Order(Base):
    """The default cascade (save-update, merge): deleting an order leaves its lines, unlinked."""

    __tablename__ = "orders"

    id = Column(Integer, primary_key=True, autoincrement=False)
    lines = relationship("OrderLine", back_populates="order")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id = Column(Integer, primary_key=True, autoincrement=False)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=True)
    order = relationship("Order", back_populates="lines")


class Invoice(Base):
    """The default cascade again, but an invoice line cannot exist without its invoice (NOT NULL)."""

    __tablename__ = "invoices"

    id = Column(Integer, primary_key=True, autoincrement=False)
    lines = relationship("InvoiceLine", back_populates="invoice")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id = Column(Integer, primary_key=True, autoincrement=False)
    invoice_id = Column(Integer, ForeignKey("invoices.id"), nullable=False)
    invoice = relationship("Invoice", back_populates="lines")


class Cart(Base):
    """cascade "all, delete-orphan": an item taken out of its cart is deleted."""

    __tablename__ = "carts"

    id = Column(Integer, primary_key=True, autoincrement=False)
    items = relationship("CartItem", back_populates="cart", cascade="all, delete-orphan")


class CartItem(Base):
    __tablename__ = "cart_items"

    id = Column(Integer, primary_key=True, autoincrement=False)
    cart_id = Column(Integer, ForeignKey("carts.id"), nullable=False)
    cart = relationship("Cart", back_populates="items")


class Folder(Base):
    """passive_deletes=True: the database's ON DELETE CASCADE removes documents the Session has not loaded."""

    __tablename__ = "folders"

    id = Column(Integer, primary_key=True, autoincrement=False)
    documents = relationship("Document", back_populates="folder", cascade="all, delete", passive_deletes=True)


class Document(Base):
    __tablename__ = "documents"

    id = Column(Integer, primary_key=True, autoincrement=False)
    folder_id = Column(Integer, ForeignKey("folders.id", ondelete="CASCADE"), nullable=False)
    folder = relationship("Folder", back_populates="documents")


class Team(Base):
    """cascade "all, delete-orphan" with a nullable foreign key: nothing but the cascade ties a member to a team."""

    __tablename__ = "teams"

    id = Column(Integer, primary_key=True, autoincrement=False)
    members = relationship("Member", back_populates="team", cascade="all, delete-orphan")


class Member(Base):
    __tablename__ = "members"

    id = Column(Integer, primary_key=True, autoincrement=False)
    team_id = Column(Integer, ForeignKey("teams.id"), nullable=True)
    team = relationship("Team", back_populates="members")


class Album(Base):
    """passive_deletes=True with the default cascade, and ON DELETE CASCADE on a nullable foreign key."""

    __tablename__ = "albums"

    id = Column(Integer, primary_key=True, autoincrement=False)
    photos = relationship("Photo", back_populates="album", passive_deletes=True)


class Photo(Base):
    __tablename__ = "photos"

    id = Column(Integer, primary_key=True, autoincrement=False)
    album_id = Column(Integer, ForeignKey("albums.id", ondelete="CASCADE"), nullable=True)
    album = relationship("Album", back_populates="photos")


class ShopOrder(Base):
    """The savepoint features' order: code under test changes its state and commits."""

    __tablename__ = "shop_orders"

    id = Column(Integer, primary_key=True, autoincrement=False)
    state = Column(String(20), nullable=False)
