import pytest
from sqlalchemy import func, select
from todo.db import Todo, User


def test_a_todo_is_committed(client, token):
    assert client.post("/todos", json={"title": "buy milk"}, headers=token).status_code == 201
    assert client.get("/todos", headers=token).json() == ["water the plants", "buy milk"]


def test_a_duplicate_is_rolled_back(client, token):
    response = client.post("/todos", json={"title": "water the plants"}, headers=token)
    assert response.status_code == 409
    assert client.post("/todos", json={"title": "call mum"}, headers=token).status_code == 201
    assert client.get("/todos", headers=token).json() == ["water the plants", "call mum"]


def test_a_failing_request_changes_nothing(client, token):
    with pytest.raises(RuntimeError, match="audit log"):
        client.delete("/todos", headers=token)
    assert client.get("/todos", headers=token).json() == ["water the plants"]


def test_a_bad_token_is_refused(client, token):
    assert client.get("/todos", headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_the_tests_session_sees_what_requests_did(client, token, rollback_session):
    client.post("/todos", json={"title": "read"}, headers=token)
    assert rollback_session.scalars(select(Todo.title).order_by(Todo.id)).all() == ["water the plants", "read"]


def test_each_test_starts_from_the_seed_alone(client, token, rollback_session):
    assert client.get("/todos", headers=token).json() == ["water the plants"]
    assert rollback_session.scalar(select(func.count()).select_from(User)) == 1
