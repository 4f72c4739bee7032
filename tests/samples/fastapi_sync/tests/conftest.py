import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy_session_spec.fastapi import rollback_overrides
from todo.db import Base, Todo, User
from todo.main import create_app, get_db


@pytest.fixture(scope="session")
def engine():
    url = os.environ["SAMPLE_DATABASE_URL"]
    # SQLite: the app's threads share the test's connection
    engine = create_engine(url, connect_args={"check_same_thread": False} if url.startswith("sqlite") else {})
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(engine):
    """One app and client per module; every request's session is the running test's (or the seed's) rollback layer."""
    app = create_app(engine)
    with rollback_overrides(app, sessions=[get_db]), TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def token(rollback_shared_session):
    """A user with a login token and a to-do, made once per module; every test of the module starts from them."""
    rollback_shared_session.add(User(name="ada", token="ada-secret", todos=[Todo(title="water the plants")]))
    rollback_shared_session.commit()
    return {"Authorization": "Bearer ada-secret"}
