"""What the ledger does. Every function ends its own transaction: commit on success, rollback on failure."""

from sqlalchemy import select

from ledger.models import Account, Entry


class InsufficientFunds(Exception):
    pass


def open_account(session, owner, deposit=0):
    account = Account(owner=owner, balance=deposit)
    session.add(account)
    session.commit()
    return account


def transfer(session, source_id, target_id, amount):
    source, target = session.get(Account, source_id), session.get(Account, target_id)
    source.balance -= amount
    target.balance += amount
    session.add(Entry(account_id=source_id, amount=-amount, note="transfer out"))
    session.add(Entry(account_id=target_id, amount=amount, note="transfer in"))
    session.flush()
    if source.balance < 0:
        owner = source.owner
        session.rollback()
        raise InsufficientFunds(f"{owner} cannot pay {amount}")
    session.commit()


def import_entries(session, account_id, amounts):
    """Books each amount in a savepoint of its own: a zero amount is refused alone, the others stay."""
    booked = 0
    for amount in amounts:
        savepoint = session.begin_nested()
        session.add(Entry(account_id=account_id, amount=amount, note="import"))
        session.get(Account, account_id).balance += amount
        if amount == 0:
            savepoint.rollback()
        else:
            savepoint.commit()
            booked += 1
    session.commit()
    return booked


def charge_monthly_fee(session_factory, fee):
    """A batch job that makes its own session: every account pays the fee, in one transaction."""
    with session_factory() as session:
        for account in session.scalars(select(Account)):
            account.balance -= fee
            session.add(Entry(account_id=account.id, amount=-fee, note="monthly fee"))
        session.commit()
