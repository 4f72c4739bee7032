import os

import pytest
from fastapi.testclient import TestClient
from heroes.main import create_app, get_session
from heroes.models import Hero, User
from sqlalchemy_session_spec.fastapi import rollback_overrides
from sqlmodel import SQLModel, create_engine


@pytest.fixture(scope="session")
def engine():
    url = os.environ["SAMPLE_DATABASE_URL"]
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"check_same_thread": False} if sqlite else {})  # TestClient's threads
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app(engine):
    """One app per module whose get_session gives the running test's (or the seed's) rollback layer."""
    app = create_app(engine)
    with rollback_overrides(app, sessions=[get_session]):
        yield app


@pytest.fixture
def client(app):
    return TestClient(app)


@pytest.fixture(scope="module")
def token(rollback_shared_session):
    """A user, a login token and a hero, made once per module (a sqlmodel Session: rollback_session_class)."""
    rollback_shared_session.add(User(name="ada", token="ada-secret"))
    rollback_shared_session.add(Hero(name="Deadpond", secret_name="Dive Wilson"))
    rollback_shared_session.commit()
    return {"Authorization": "Bearer ada-secret"}
