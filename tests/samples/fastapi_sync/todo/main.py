from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from todo.db import Todo, User

router = APIRouter()


def get_db(request: Request):
    with request.app.state.sessionmaker() as session:
        yield session


Db = Annotated[Session, Depends(get_db)]


def current_user(db: Db, authorization: Annotated[str, Header()] = "") -> User:
    user = db.scalar(select(User).where(User.token == authorization.removeprefix("Bearer ")))
    if user is None:
        raise HTTPException(401, "log in first")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@router.post("/todos", status_code=201)
def add_todo(body: dict, user: CurrentUser, db: Db):
    db.add(Todo(user_id=user.id, title=body["title"]))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(409, "already on the list") from None
    return {"title": body["title"]}


@router.get("/todos")
def list_todos(user: CurrentUser, db: Db):
    return [todo.title for todo in db.scalars(select(Todo).where(Todo.user_id == user.id).order_by(Todo.id))]


@router.delete("/todos")
def clear_then_fail(user: CurrentUser, db: Db):
    """A bug in the middle of a request: the list is deleted, then it raises before any commit."""
    for todo in db.scalars(select(Todo).where(Todo.user_id == user.id)):
        db.delete(todo)
    db.flush()
    raise RuntimeError("the audit log is down")


def create_app(engine) -> FastAPI:
    app = FastAPI()
    app.state.sessionmaker = sessionmaker(bind=engine)
    app.include_router(router)
    return app
