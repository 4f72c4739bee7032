import pytest
from heroes.models import Hero, User
from sqlmodel import Session, func, select


def test_a_hero_is_committed(client, token):
    response = client.post("/heroes", json={"name": "Spider-Boy", "secret_name": "Pedro Parqueador"}, headers=token)
    assert response.status_code == 201
    assert client.get("/heroes", headers=token).json() == ["Deadpond", "Spider-Boy"]


def test_a_duplicate_is_rolled_back(client, token):
    response = client.post("/heroes", json={"name": "Deadpond", "secret_name": "Someone"}, headers=token)
    assert response.status_code == 409
    assert client.post("/heroes", json={"name": "Rusty-Man", "secret_name": "Tommy Sharp"}, headers=token).is_success
    assert client.get("/heroes", headers=token).json() == ["Deadpond", "Rusty-Man"]


def test_a_failing_request_changes_nothing(client, token):
    with pytest.raises(RuntimeError, match="audit log"):
        client.delete("/heroes", headers=token)
    assert client.get("/heroes", headers=token).json() == ["Deadpond"]


def test_a_bad_token_is_refused(client, token):
    assert client.get("/heroes", headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_the_session_is_sqlmodels(client, token, rollback_session):
    assert isinstance(rollback_session, Session)
    client.post("/heroes", json={"name": "Tarantula", "secret_name": "Natalia Roman-on"}, headers=token)
    assert rollback_session.exec(select(Hero.name).order_by(Hero.id)).all() == ["Deadpond", "Tarantula"]


def test_each_test_starts_from_the_seed_alone(client, token, rollback_session):
    assert client.get("/heroes", headers=token).json() == ["Deadpond"]
    assert rollback_session.exec(select(func.count()).select_from(User)).one() == 1
