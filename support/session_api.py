"""The Session API calls whose presence, arguments or output changed in SQLAlchemy 2.1, as the steps run them."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, close_all_sessions

from support.models import Employee, ShopOrder
from support.outcome import error_type_named

# A fresh interpreter in which "import greenlet" fails, as it does where the package is not installed: the
# subprocess imports SQLAlchemy itself, so nothing of SQLAlchemy is replaced.
_WITHOUT_GREENLET = "import sys; sys.modules['greenlet'] = None\n"


@dataclass
class LoadedEmployee:
    """A session and the employee it loaded, which the application still references (the identity map is weak)."""

    session: Session
    employee: Employee
    kept: list = field(default_factory=list)


def load_employee(session: Session, employee_id: int) -> LoadedEmployee:
    employee = session.get(Employee, employee_id)
    assert employee is not None, f"employee {employee_id} is not stored"
    _ = employee.email  # loaded, not expired
    return LoadedEmployee(session, employee)


def close_all_the_old_way() -> str:
    """Session.close_all(), the classmethod deprecated since 1.3 and removed in 2.1."""
    Session.close_all()
    return "closed"


def close_all_the_new_way() -> str:
    close_all_sessions()
    return "closed"


def merge_orders(engine, order_ids: list[int]) -> str:
    with Session(engine) as session:  # a plain Session: its errors name the class as the application's would
        session.merge_all([ShopOrder(id=order_id, state="merged") for order_id in order_ids])
        session.commit()
    return "committed"


def delete_orders(engine, order_ids: list[int]) -> str:
    with Session(engine) as session:
        session.delete_all([session.get(ShopOrder, order_id) for order_id in order_ids])
        session.commit()
    return "committed"


def flush_only(engine, order_id: int) -> str:
    with Session(engine) as session:
        order = ShopOrder(id=order_id, state="new")
        session.add(order)
        session.flush(objects=[order])
    return "flushed"


def driver_of(url: str) -> str:
    """The DBAPI driver SQLAlchemy picks for a URL (the dialect's name for it; the driver is not imported)."""
    return make_url(url).get_dialect().driver


def use_asyncio_without_greenlet(async_url: str) -> str:
    """Import sqlalchemy.ext.asyncio and connect an AsyncEngine in a fresh interpreter where greenlet is missing."""
    program = (
        _WITHOUT_GREENLET
        + "import asyncio\nfrom sqlalchemy.ext.asyncio import create_async_engine\n"
        + f"engine = create_async_engine({async_url!r})\n"
        + "async def connect():\n    async with engine.connect():\n        pass\n    await engine.dispose()\n"
        + "asyncio.run(connect())\n"
    )
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    if ran.returncode == 0:
        return "connected"
    last = (ran.stderr.strip().splitlines() or ["(no output)"])[-1]
    kind, _, message = last.partition(": ")
    try:
        error_type = error_type_named(kind.rsplit(".", 1)[-1])
    except ValueError:
        error_type = RuntimeError
        message = last
    raise error_type(message)  # the interpreter's error, raised again here for a Then to claim


async def flush_duplicate_employee(async_engine, employee_id: int) -> str:
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(async_engine) as session:
        session.add(Employee(id=employee_id, email="second@corp.example", name="Second"))
        await session.flush()
    return "flushed"
