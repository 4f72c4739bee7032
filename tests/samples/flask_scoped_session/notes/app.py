from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, select

from notes.db import Base, Note, User, db_session


def create_app(config):
    app = Flask(__name__)
    app.config.update(config)
    engine = app.extensions["engine"] = create_engine(app.config["DATABASE_URL"])
    Base.metadata.create_all(engine)
    db_session.configure(bind=engine)

    @app.teardown_appcontext
    def remove_session(exception=None):
        db_session.remove()

    def current_user():
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = db_session.scalar(select(User).where(User.token == token))
        if user is None:
            abort(401)
        return user

    @app.post("/notes")
    def add_note():
        user = current_user()
        text = request.get_json()["text"]
        note = Note(user_id=user.id, text=text)
        db_session.add(note)
        db_session.flush()
        if not text.strip():
            db_session.rollback()
            return jsonify(error="a note needs text"), 400
        db_session.commit()
        return jsonify(id=note.id), 201

    @app.get("/notes")
    def list_notes():
        user = current_user()
        return jsonify([note.text for note in db_session.scalars(select(Note).where(Note.user_id == user.id))])

    @app.delete("/notes")
    def delete_all_then_fail():
        """A bug in the middle of a request: the notes are deleted, then it raises before any commit."""
        user = current_user()
        for note in db_session.scalars(select(Note).where(Note.user_id == user.id)):
            db_session.delete(note)
        db_session.flush()
        raise RuntimeError("the audit log is down")

    return app
