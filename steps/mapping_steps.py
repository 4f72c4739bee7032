"""Mappings: relationship() configurations that a scenario declares itself."""

from pytest_bdd import parsers, then, when
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import configure_mappers, declarative_base, relationship

from support.outcome import Outcome
from support.parameter_types import typed


def _map_with_cascade_backrefs(value: bool) -> str:
    """Map a fresh pair of classes (on their own registry) whose collection sets cascade_backrefs."""
    Base = declarative_base()

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        books = relationship("Book", back_populates="author", cascade_backrefs=value)

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        author_id = Column(ForeignKey("authors.id"))
        author = relationship("Author", back_populates="books")

    configure_mappers()
    return "mapped"


@when(typed("a mapping declares relationship(..., cascade_backrefs={value:PythonBoolean})"))
def _(outcome: Outcome, value: bool):
    outcome.attempt(lambda: _map_with_cascade_backrefs(value))


@then("the mapping is accepted")
def _(outcome: Outcome):
    assert outcome.succeeded() == "mapped"


@then(parsers.parse('the mapping is refused: "{message}"'))
def _(outcome: Outcome, message: str):
    error = outcome.claim(ArgumentError)
    assert message in str(error)
