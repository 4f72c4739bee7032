import os

import pytest
from ledger.models import Base
from ledger.service import open_account
from sqlalchemy import create_engine


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(os.environ["SAMPLE_DATABASE_URL"])
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def accounts(rollback_shared_session):
    """Alice and Bob, opened (and committed) once per module; every test starts from them."""
    alice = open_account(rollback_shared_session, "alice", deposit=100)
    bob = open_account(rollback_shared_session, "bob")
    return {"alice": alice.id, "bob": bob.id}
