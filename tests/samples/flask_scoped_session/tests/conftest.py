import os

import pytest
from notes.app import create_app
from notes.db import Note, User, db_session


@pytest.fixture(scope="session")
def app():
    return create_app({"DATABASE_URL": os.environ["SAMPLE_DATABASE_URL"]})


@pytest.fixture(scope="session")
def engine(app):
    """The app's own engine: the plugin's connections come from it."""
    yield app.extensions["engine"]
    app.extensions["engine"].dispose()


@pytest.fixture(autouse=True)
def isolated_db_session(rollback_factories):
    """The app's own scoped_session on the test's connection, for every test; removed when the test ends."""
    rollback_factories(db_session)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def token(rollback_shared_session):
    """A user, a login token and a note, made once per module; every test of the module starts from them."""
    user = User(name="ada", token="ada-secret")
    rollback_shared_session.add(user)
    rollback_shared_session.flush()
    rollback_shared_session.add(Note(user_id=user.id, text="first"))
    rollback_shared_session.commit()
    return {"Authorization": "Bearer ada-secret"}
