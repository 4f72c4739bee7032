"""The plain_sqlalchemy sample's conftest without the plugin: its tables created before every test and dropped
after it, the seed made again for every test. The fixtures keep the plugin's names, so the sample's tests run
unchanged (with ``-p no:sqlalchemy_session_spec``)."""

import os

import pytest
from ledger.models import Base
from ledger.service import open_account
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(os.environ["SAMPLE_DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def tables(engine):
    Base.metadata.create_all(engine)
    yield
    Base.metadata.drop_all(engine)


@pytest.fixture
def rollback_session(engine, tables):
    with Session(engine) as session:
        yield session


@pytest.fixture
def rollback_sessionmaker(engine, tables):
    return sessionmaker(engine)


@pytest.fixture
def rollback_shared_session(rollback_session):
    return rollback_session


@pytest.fixture
def accounts(rollback_shared_session):
    alice = open_account(rollback_shared_session, "alice", deposit=100)
    bob = open_account(rollback_shared_session, "bob")
    return {"alice": alice.id, "bob": bob.id}
