from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from heroes.models import Hero, User

router = APIRouter()


def get_session(request: Request):
    with Session(request.app.state.engine) as session:
        yield session


Db = Annotated[Session, Depends(get_session)]


def current_user(session: Db, authorization: Annotated[str, Header()] = "") -> User:
    user = session.exec(select(User).where(User.token == authorization.removeprefix("Bearer "))).first()
    if user is None:
        raise HTTPException(401, "log in first")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@router.post("/heroes", status_code=201)
def add_hero(hero: Hero, user: CurrentUser, session: Db):
    session.add(hero)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(409, "that hero exists") from None
    return {"name": hero.name}


@router.get("/heroes")
def list_heroes(user: CurrentUser, session: Db):
    return [hero.name for hero in session.exec(select(Hero).order_by(Hero.id))]


@router.delete("/heroes")
def retire_all_then_fail(user: CurrentUser, session: Db):
    """A bug in the middle of a request: every hero is deleted, then it raises before any commit."""
    for hero in session.exec(select(Hero)):
        session.delete(hero)
    session.flush()
    raise RuntimeError("the audit log is down")


def create_app(engine) -> FastAPI:
    app = FastAPI()
    app.state.engine = engine
    app.include_router(router)
    return app
