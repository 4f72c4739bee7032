"""A real FastAPI shop whose checkout rolls back a declined payment and then commits the declined order.

The session comes from a dependency, as in the savepoint feature's source; a test overrides that
dependency with its own joined session (``app.dependency_overrides``). The same checkout exists as a sync
endpoint with a Session and as an async endpoint with an AsyncSession. (No ``from __future__ import
annotations``: FastAPI must resolve the dependencies named inside ``shop_app``.)
"""

from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from support.apps.dependencies import async_session_per_request, session_per_request
from support.models import ShopOrder


class Checkout(BaseModel):
    order_id: int
    payment: str  # "accepted" or "declined"


def _declined_order(order_id: int) -> ShopOrder:
    return ShopOrder(id=order_id, state="declined")


def _receipt(request: Checkout) -> dict:
    return {"order_id": request.order_id, "state": "declined" if request.payment == "declined" else "paid"}


def shop_app(url, async_url) -> FastAPI:
    """The shop on its own engines; ``app.state.session_dependencies`` names what a test overrides."""
    request_session = session_per_request(sessionmaker(bind=create_engine(url)))
    async_request_session = async_session_per_request(
        sessionmaker(bind=create_async_engine(async_url), class_=AsyncSession)
    )

    app = FastAPI()
    app.state.session_dependencies = {"sync": request_session, "async": async_request_session}

    @app.post("/checkout", status_code=201)
    def checkout(request: Checkout, session: Annotated[Session, Depends(request_session)]) -> dict:
        session.add(ShopOrder(id=request.order_id, state="paid"))
        session.flush()
        if request.payment == "declined":
            session.rollback()  # undo the paid order, then record the declined one
            session.add(_declined_order(request.order_id))
        session.commit()
        return _receipt(request)

    @app.post("/async/checkout", status_code=201)
    async def async_checkout(
        request: Checkout, session: Annotated[AsyncSession, Depends(async_request_session)]
    ) -> dict:
        session.add(ShopOrder(id=request.order_id, state="paid"))
        await session.flush()
        if request.payment == "declined":
            await session.rollback()
            session.add(_declined_order(request.order_id))
        await session.commit()
        return _receipt(request)

    return app
