from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bookmarks.db import Bookmark, User

router = APIRouter()


async def get_session_factory(request: Request) -> async_sessionmaker:
    return request.app.state.session_factory


Sessions = Annotated[async_sessionmaker, Depends(get_session_factory)]


async def current_user(sessions: Sessions, authorization: Annotated[str, Header()] = "") -> User:
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.token == authorization.removeprefix("Bearer ")))
    if user is None:
        raise HTTPException(401, "log in first")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@router.post("/bookmarks", status_code=201)
async def add_bookmark(body: dict, user: CurrentUser, sessions: Sessions):
    async with sessions() as session:
        session.add(Bookmark(user_id=user.id, url=body["url"]))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise HTTPException(409, "already bookmarked") from None
    return {"url": body["url"]}


@router.get("/bookmarks")
async def list_bookmarks(user: CurrentUser, sessions: Sessions):
    async with sessions() as session:
        found = await session.scalars(select(Bookmark.url).where(Bookmark.user_id == user.id).order_by(Bookmark.id))
        return found.all()


@router.delete("/bookmarks")
async def clear_then_fail(user: CurrentUser, sessions: Sessions):
    """A bug in the middle of a transaction: the bookmarks are deleted, then it raises; begin() rolls back."""
    async with sessions.begin() as session:
        await session.execute(delete(Bookmark).where(Bookmark.user_id == user.id))
        raise RuntimeError("the audit log is down")


def create_app(engine) -> FastAPI:
    app = FastAPI()
    app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
    app.include_router(router)
    return app
