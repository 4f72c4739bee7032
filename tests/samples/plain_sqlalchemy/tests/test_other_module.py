from ledger.models import Account
from ledger.service import open_account
from sqlalchemy import select


def test_another_module_has_its_own_seed(rollback_shared_session, rollback_session):
    assert rollback_session.scalars(select(Account.owner)).all() == []  # the first module's seed is gone
    open_account(rollback_session, "carol", deposit=5)
    assert rollback_session.scalars(select(Account.owner)).all() == ["carol"]
