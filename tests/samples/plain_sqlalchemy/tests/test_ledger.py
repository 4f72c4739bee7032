import pytest
from ledger.models import Account, Entry
from ledger.service import InsufficientFunds, charge_monthly_fee, import_entries, transfer
from sqlalchemy import func, select


def balances(session):
    return dict(session.execute(select(Account.owner, Account.balance)).all())


def test_a_transfer_commits(rollback_session, accounts):
    assert balances(rollback_session) == {"alice": 100, "bob": 0}
    transfer(rollback_session, accounts["alice"], accounts["bob"], 30)
    assert balances(rollback_session) == {"alice": 70, "bob": 30}


def test_an_overdraft_rolls_back_and_raises(rollback_session, accounts):
    assert balances(rollback_session) == {"alice": 100, "bob": 0}
    with pytest.raises(InsufficientFunds, match="bob cannot pay 5"):
        transfer(rollback_session, accounts["bob"], accounts["alice"], 5)
    assert balances(rollback_session) == {"alice": 100, "bob": 0}
    transfer(rollback_session, accounts["alice"], accounts["bob"], 100)  # the session goes on after the rollback
    assert balances(rollback_session) == {"alice": 0, "bob": 100}


def test_an_import_keeps_what_its_savepoints_kept(rollback_session, accounts):
    assert import_entries(rollback_session, accounts["bob"], [10, 0, 5]) == 2
    assert balances(rollback_session) == {"alice": 100, "bob": 15}
    assert rollback_session.scalar(select(func.count()).select_from(Entry)) == 2


def test_a_job_with_its_own_sessions(rollback_sessionmaker, rollback_session, accounts):
    charge_monthly_fee(rollback_sessionmaker, fee=1)
    assert balances(rollback_session) == {"alice": 99, "bob": -1}


def test_each_test_starts_from_the_seed_alone(rollback_session, accounts):
    assert balances(rollback_session) == {"alice": 100, "bob": 0}
    assert rollback_session.scalar(select(func.count()).select_from(Entry)) == 0
