from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

Base = declarative_base()
db_session = scoped_session(sessionmaker())  # bound to the app's engine by create_app


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    token = Column(String(64), unique=True, nullable=False)


class Note(Base):
    __tablename__ = "notes"

    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"), nullable=False)
    text = Column(String(200), nullable=False)
