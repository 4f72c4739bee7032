"""A real Flask application of the HR incident: employees read through a scoped session.

Configuration (constructor arguments, or environment variables for a WSGI server's factory call
``support.apps.flask_hr:app_from_environment()``):

- ``remove_at_teardown`` / ``HR_REMOVE_AT_TEARDOWN``: the fix under study, ``Session.remove()`` at teardown;
- ``hold_served`` / ``HR_HOLD_SERVED``: the application keeps every employee it served referenced (an
  in-process list), the precondition for an identity-map hit in a later request;
- the update request writes through its own connection and commits, as the incident's write path did.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, abort, request
from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from support.models import Employee
from support.sql_log import classify


def create_hr_app(Session: scoped_session, engine: Engine, *, remove_at_teardown: bool) -> Flask:
    app = Flask("hr")
    app.config.update(HOLD_SERVED=False, SERVED_EMPLOYEES=[], SESSION_REGISTRY=Session, ENGINE=engine)
    sent = threading.local()  # the statements this thread sent for its current request

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        sent.statements = [*getattr(sent, "statements", []), classify(statement).verb]

    @app.before_request
    def start_recording():
        sent.statements = []

    if remove_at_teardown:

        @app.teardown_appcontext
        def remove_session(exception=None):
            Session.remove()

    @app.get("/employees/<int:employee_id>")
    def read_employee(employee_id: int):
        employee = Session().get(Employee, employee_id)
        if employee is None:
            abort(404)
        if app.config["HOLD_SERVED"]:
            app.config["SERVED_EMPLOYEES"].append(employee)
        return {"id": employee.id, "email": employee.email, "thread": threading.get_ident(), "sql": sent.statements}

    @app.put("/employees/<int:employee_id>")
    def update_employee(employee_id: int):
        with engine.begin() as connection:  # the write path's own connection and transaction
            statement = update(Employee).where(Employee.id == employee_id).values(email=request.get_json()["email"])
            if connection.execute(statement).rowcount != 1:
                abort(404)
        return {"id": employee_id, "email": request.get_json()["email"], "thread": threading.get_ident()}

    @app.get("/_spec/ready")
    def ready():
        return "ready"

    @app.post("/_spec/reset")
    def reset_between_scenarios():
        """Test scaffolding, not behaviour under study: forget every thread's session and the pool."""
        Session.registry.registry = threading.local()
        app.config["SERVED_EMPLOYEES"].clear()
        engine.dispose()
        return "", 204

    return app


def app_from_environment() -> Flask:
    """The factory a WSGI server calls: ``gunicorn 'support.apps.flask_hr:app_from_environment()'``."""
    engine = create_engine(make_url(os.environ["HR_DATABASE_URL"]))
    app = create_hr_app(
        scoped_session(sessionmaker(bind=engine)),
        engine,
        remove_at_teardown=os.environ.get("HR_REMOVE_AT_TEARDOWN") == "1",
    )
    app.config["HOLD_SERVED"] = os.environ.get("HR_HOLD_SERVED") == "1"
    return app
