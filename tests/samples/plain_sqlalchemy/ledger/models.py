from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Account(Base):
    __tablename__ = "accounts"

    id = Column(Integer, primary_key=True)
    owner = Column(String(50), unique=True, nullable=False)
    balance = Column(Integer, nullable=False, default=0)


class Entry(Base):
    __tablename__ = "entries"

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False)
    amount = Column(Integer, nullable=False)
    note = Column(String(100), nullable=False)
