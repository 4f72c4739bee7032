"""The example domains the features talk about.

Classic ``Column`` declarations on ``declarative_base()`` from ``sqlalchemy.orm`` map the same on
SQLAlchemy 1.4, 2.0 and 2.1.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Employee(Base):
    """The HR record of the request-boundary incident."""

    __tablename__ = "employees"

    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(String(100), nullable=False)
    email = Column(String(200), nullable=False)

    def __repr__(self) -> str:
        return f"Employee(id={self.id!r}, email={self.email!r})"
