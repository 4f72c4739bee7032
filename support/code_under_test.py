"""What the code under test does with the session a test gave it, written once, run sync or async.

An action is a list of steps; ``run_sync`` plays them on a Session, ``run_async`` on an AsyncSession.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from support.models import ShopOrder

ACTIONS: dict[str, list[tuple]] = {
    "commits a new order": [("add", 2), ("commit",)],
    "rolls back, then goes on to commit": [("add", 2), ("flush",), ("rollback",), ("add", 3), ("commit",)],
    "flushes a new order, then rolls back": [("add", 2), ("flush",), ("rollback",)],
    "commits a nested savepoint, then commits": [("begin_nested",), ("add", 2), ("commit_nested",), ("commit",)],
    "commits a nested savepoint, then commits twice": [
        ("begin_nested",), ("add", 2), ("commit_nested",), ("commit",), ("add", 3), ("commit",),
    ],
    "rolls back a nested savepoint, then commits": [
        ("begin_nested",), ("add", 2), ("flush",), ("rollback_nested",), ("add", 3), ("commit",),
    ],
    # order 1 exists: PostgreSQL refuses the INSERT and aborts the transaction until it is rolled back
    "hits a duplicate key at flush, rolls back and goes on to commit": [
        ("add", 2), ("flush",), ("add", 1), ("flush refused",), ("rollback",), ("add", 3), ("commit",),
    ],
    "begins a nested savepoint and commits the session": [("begin_nested",), ("add", 2), ("commit",)],
    "commits inside a with session.begin() block": [("begin block",), ("add", 2), ("commit",), ("end block",)],
    "locks order 1 with SELECT ... FOR UPDATE and commits to release it": [("lock", 1), ("commit",)],
}  # fmt: skip


class DuplicateKeyAccepted(AssertionError):
    """The database took the duplicate order the action expected it to refuse: the action proves nothing."""


def _lock_statement(order_id: int):
    return select(ShopOrder).where(ShopOrder.id == order_id).with_for_update()


def run_sync(session, steps: list[tuple]) -> str:
    nested = block = None
    for step, *arguments in steps:
        if step == "add":
            session.add(ShopOrder(id=arguments[0], state="new"))
        elif step == "flush":
            session.flush()
        elif step == "flush refused":
            try:
                session.flush()
            except IntegrityError:
                pass  # handled by the rollback step that follows, as an except: block would
            else:
                raise DuplicateKeyAccepted("the database accepted a duplicate order")
        elif step == "commit":
            session.commit()
        elif step == "rollback":
            session.rollback()
        elif step == "begin_nested":
            nested = session.begin_nested()
        elif step == "commit_nested":
            nested.commit()
        elif step == "rollback_nested":
            nested.rollback()
        elif step == "begin block":  # with session.begin(): ... (entered here, left at "end block")
            block = session.begin()
            block.__enter__()
        elif step == "end block":
            block.__exit__(None, None, None)
        elif step == "lock":
            session.execute(_lock_statement(arguments[0])).scalar_one().state = "ready"
    return "done"


async def run_async(session, steps: list[tuple]) -> str:
    nested = block = None
    for step, *arguments in steps:
        if step == "add":
            session.add(ShopOrder(id=arguments[0], state="new"))
        elif step == "flush":
            await session.flush()
        elif step == "flush refused":
            try:
                await session.flush()
            except IntegrityError:
                pass
            else:
                raise DuplicateKeyAccepted("the database accepted a duplicate order")
        elif step == "commit":
            await session.commit()
        elif step == "rollback":
            await session.rollback()
        elif step == "begin_nested":
            nested = await session.begin_nested()
        elif step == "commit_nested":
            await nested.commit()
        elif step == "rollback_nested":
            await nested.rollback()
        elif step == "begin block":  # async with session.begin(): ...
            block = session.begin()
            await block.__aenter__()
        elif step == "end block":
            await block.__aexit__(None, None, None)
        elif step == "lock":
            (await session.execute(_lock_statement(arguments[0]))).scalar_one().state = "ready"
    return "done"
