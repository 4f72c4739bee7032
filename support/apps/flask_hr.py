"""A real Flask application of the HR incident: employees read through a scoped session.

Configuration (constructor arguments, or environment variables for a WSGI server's factory call
``support.apps.flask_hr:app_from_environment()``):

- ``remove_at_teardown`` / ``HR_REMOVE_AT_TEARDOWN``: the fix under study, ``Session.remove()`` at teardown;
- ``hold_served`` / ``HR_HOLD_SERVED``: the application keeps every employee it served referenced (an
  in-process list), the precondition for an identity-map hit in a later request;
- ``HR_REPEATABLE_READ``: the engine's transactions at REPEATABLE READ (default READ COMMITTED), so that a
  transaction never ended keeps reading its first snapshot;
- the update request writes through its own connection and commits, as the incident's write path did;
- the create request (POST /employees) adds the employee through the scoped session and commits, with no
  rollback of its own when the flush fails: the incident's code. ``roll_back_when_a_request_fails(app)`` adds one;
- ``HR_ERRORS_AS_JSON=1``: a database error answers 500 with its class and text as JSON, for clients to read;
- ``HR_MONITOR`` / ``HR_METRICS``: the request-boundary monitor, and the active-session gauge on ``/metrics``
  (``support.apps.monitoring``).
"""

from __future__ import annotations

import gc
import os
import threading

from flask import Flask, abort, request
from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session, sessionmaker

from support.apps.monitoring import monitor_flask
from support.models import Employee
from support.sessions import shield_first_connect
from support.sql_log import classify


def create_hr_app(Session: scoped_session, engine: Engine, *, remove_at_teardown: bool) -> Flask:
    app = Flask("hr")
    app.config.update(HOLD_SERVED=False, SERVED_EMPLOYEES=[], SESSION_REGISTRY=Session, ENGINE=engine)
    sent = record_statements_per_request(app, engine)

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

    @app.post("/employees")
    def create_employee():
        employee = request.get_json()
        Session().add(Employee(id=employee["id"], name=f"Employee {employee['id']}", email=employee["email"]))
        Session().commit()  # no try/except: a failed flush leaves the session to whoever comes next
        return {"id": employee["id"], "email": employee["email"], "thread": threading.get_ident()}, 201

    @app.get("/_spec/ready")
    def ready():
        return "ready"

    @app.post("/_spec/reset")
    def reset_between_scenarios():
        """Test scaffolding, not behaviour under study: forget every thread's session and the pool."""
        Session.registry.registry = threading.local()
        app.config["SERVED_EMPLOYEES"].clear()
        gc.collect()  # the forgotten sessions go now, not when the collector runs (the gauge counts them till then)
        engine.dispose()
        return "", 204

    return app


def record_statements_per_request(app: Flask, engine: Engine) -> threading.local:
    """Each thread's ``statements`` (their verbs) sent through ``engine`` for its current request, for the answer."""
    sent = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        sent.statements = [*getattr(sent, "statements", []), classify(statement).verb]

    @app.before_request
    def start_recording():
        sent.statements = []

    return sent


def roll_back_when_a_request_fails(app: Flask) -> None:
    """The narrower fix: roll the scoped session back at the end of a request that raised (no remove())."""

    @app.teardown_request
    def roll_back(exception=None):
        if exception is not None:
            app.config["SESSION_REGISTRY"].rollback()


def report_errors_as_json(app: Flask) -> None:
    """A database error answers 500 with its class and text, so an HTTP client can tell which error it was."""

    @app.errorhandler(SQLAlchemyError)
    def database_error(error: SQLAlchemyError):
        return {"error": type(error).__name__, "message": str(error)}, 500


def app_from_environment() -> Flask:
    """The factory a WSGI server calls: ``gunicorn 'support.apps.flask_hr:app_from_environment()'``."""
    repeatable_read = os.environ.get("HR_REPEATABLE_READ") == "1"
    engine = create_engine(make_url(os.environ["HR_DATABASE_URL"]), **_isolation(repeatable_read))
    shield_first_connect(engine)  # its first request may come while a scenario's 300 ms idle timeout is set
    app = create_hr_app(
        scoped_session(sessionmaker(bind=engine)),
        engine,
        remove_at_teardown=os.environ.get("HR_REMOVE_AT_TEARDOWN") == "1",
    )
    app.config["HOLD_SERVED"] = os.environ.get("HR_HOLD_SERVED") == "1"
    if os.environ.get("HR_MONITOR") == "1":
        monitor_flask(app, app.config["SESSION_REGISTRY"], metrics=os.environ.get("HR_METRICS") == "1")
    if os.environ.get("HR_ERRORS_AS_JSON") == "1":
        report_errors_as_json(app)
    return app


def _isolation(repeatable_read: bool) -> dict:
    return {"isolation_level": "REPEATABLE READ"} if repeatable_read else {}
