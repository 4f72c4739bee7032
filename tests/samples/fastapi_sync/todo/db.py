from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    token = Column(String(64), unique=True, nullable=False)
    todos = relationship("Todo", order_by="Todo.id")


class Todo(Base):
    __tablename__ = "todos"
    __table_args__ = (UniqueConstraint("user_id", "title"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"), nullable=False)
    title = Column(String(100), nullable=False)
