from notes.db import Note, db_session
from sqlalchemy import func, select


def test_a_note_is_committed(client, token):
    assert client.post("/notes", json={"text": "second"}, headers=token).status_code == 201
    assert client.get("/notes", headers=token).get_json() == ["first", "second"]


def test_an_empty_note_is_rolled_back(client, token):
    response = client.post("/notes", json={"text": " "}, headers=token)
    assert response.status_code == 400
    assert client.get("/notes", headers=token).get_json() == ["first"]


def test_a_failing_request_changes_nothing(client, token):
    assert client.delete("/notes", headers=token).status_code == 500
    assert client.get("/notes", headers=token).get_json() == ["first"]


def test_a_bad_token_is_refused(client, token):
    assert client.get("/notes", headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_the_app_session_sees_the_seed_alone(token):
    assert not db_session.registry.has()  # the last test's session was removed
    assert db_session.scalars(select(Note.text)).all() == ["first"]
    assert db_session.scalar(select(func.count()).select_from(Note)) == 1
