"""What the code under test does with the session a test gave it, written once, run sync or async.

An action is a list of steps; ``run_sync`` plays them on a Session, ``run_async`` on an AsyncSession.
"""

from __future__ import annotations

from sqlalchemy import select

from support.models import ShopOrder


class FailureInTheMiddle(RuntimeError):
    """The error the code under test raises halfway through, and handles by rolling back."""


ACTIONS: dict[str, list[tuple]] = {
    "commits a new order": [("add", 2), ("commit",)],
    "rolls back, then goes on to commit": [("add", 2), ("flush",), ("rollback",), ("add", 3), ("commit",)],
    "flushes a new order, then rolls back": [("add", 2), ("flush",), ("rollback",)],
    "commits a nested savepoint, then commits": [("begin_nested",), ("add", 2), ("commit_nested",), ("commit",)],
    "rolls back a nested savepoint, then commits": [
        ("begin_nested",), ("add", 2), ("flush",), ("rollback_nested",), ("add", 3), ("commit",),
    ],
    "fails in the middle, rolls back and goes on to commit": [
        ("add", 2), ("flush",), ("fail",), ("rollback",), ("add", 3), ("commit",),
    ],
    "locks order 1 with SELECT ... FOR UPDATE and commits to release it": [("lock", 1), ("commit",)],
}  # fmt: skip


def _lock_statement(order_id: int):
    return select(ShopOrder).where(ShopOrder.id == order_id).with_for_update()


def run_sync(session, steps: list[tuple]) -> str:
    nested = None
    for step, *arguments in steps:
        if step == "add":
            session.add(ShopOrder(id=arguments[0], state="new"))
        elif step == "flush":
            session.flush()
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
        elif step == "lock":
            session.execute(_lock_statement(arguments[0])).scalar_one().state = "ready"
        elif step == "fail":
            try:
                raise FailureInTheMiddle("the code under test failed halfway")
            except FailureInTheMiddle:
                pass  # handled below by the rollback step, as an except: block would
    return "done"


async def run_async(session, steps: list[tuple]) -> str:
    nested = None
    for step, *arguments in steps:
        if step == "add":
            session.add(ShopOrder(id=arguments[0], state="new"))
        elif step == "flush":
            await session.flush()
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
        elif step == "lock":
            (await session.execute(_lock_statement(arguments[0]))).scalar_one().state = "ready"
        elif step == "fail":
            try:
                raise FailureInTheMiddle("the code under test failed halfway")
            except FailureInTheMiddle:
                pass
    return "done"
