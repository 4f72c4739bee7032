"""The HR application on Flask-SQLAlchemy: the same requests as ``flask_hr``, through ``db.session``.

``db.session`` is Flask-SQLAlchemy's scoped session: scoped by the application context and removed when the
context is torn down, at the end of every request. The application keeps nothing else of SQLAlchemy's.

Configuration (environment variables, for gunicorn's factory call
``support.apps.flask_sqlalchemy_hr:app_from_environment()``):

- ``HR_DATABASE_URL``: the database (a psycopg2 URL);
- ``HR_HOLD_SERVED``: every employee served is kept referenced (an in-process list, not one the application reads
  from), the precondition of an identity-map hit in a later request;
- ``HR_COMMIT_AFTER_KEEPING``: the request that keeps an employee for later commits its session as its last act,
  once it has read what it answers;
- ``HR_EXPIRE_ON_COMMIT``: ``db.session``'s expire_on_commit (on unless ``0``).

Besides the read and the update of ``flask_hr``, ``GET /kept/<place>/employees/<id>`` reads an employee that the
application keeps for later requests, in ``place``: ``global`` (a module-level dict of objects), ``key`` (a
module-level dict of primary keys, each request loading the object through ``db.session``), or ``g`` (flask.g).
The answer says where the employee came from. A database error answers 500 with its class and text as JSON.
"""

from __future__ import annotations

import os

import httpx
from flask import Flask, abort, g, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import update
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from support.apps.flask_hr import record_statements_per_request
from support.models import Employee

KEPT_OBJECTS: dict[int, Employee] = {}  # the module global that holds employees across requests
KEPT_KEYS: dict[int, int] = {}  # the module global that holds only their primary keys


def create_app(database_url: str, *, hold_served: bool, commit_after_keeping: bool, expire_on_commit: bool) -> Flask:
    app = Flask("hr_flask_sqlalchemy")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url)
    db = SQLAlchemy(session_options={"expire_on_commit": expire_on_commit})
    db.init_app(app)  # registers the teardown that removes db.session with each application context
    served: list[Employee] = []
    with app.app_context():
        engine = db.engine
    sent = record_statements_per_request(app, engine)  # the statements each thread sent for its current request

    def answer(employee: Employee, **facts) -> dict:
        return {"id": employee.id, "email": employee.email, "sql": sent.statements, **facts}

    @app.get("/employees/<int:employee_id>")
    def read_employee(employee_id: int):
        employee = db.session.get(Employee, employee_id)
        if employee is None:
            abort(404)
        if hold_served:
            served.append(employee)
        return answer(employee)

    @app.put("/employees/<int:employee_id>")
    def update_employee(employee_id: int):
        with engine.begin() as connection:  # the write path's own connection and transaction, as in flask_hr
            statement = update(Employee).where(Employee.id == employee_id).values(email=request.get_json()["email"])
            if connection.execute(statement).rowcount != 1:
                abort(404)
        return {"id": employee_id, "email": request.get_json()["email"]}

    @app.get("/kept/<place>/employees/<int:employee_id>")
    def read_kept_employee(place: str, employee_id: int):
        kept = _kept(place, employee_id, db)
        if kept is not None:
            return answer(kept, found_kept=True)
        employee = db.session.get(Employee, employee_id)
        if employee is None:
            abort(404)
        if hold_served:
            served.append(employee)
        _keep(place, employee)
        answered = answer(employee, found_kept=False)
        if commit_after_keeping:
            db.session.commit()  # the request's last act: nothing reads the employee after it
        return answered

    @app.get("/_spec/ready")
    def ready():
        return "ready"

    @app.post("/_spec/reset")
    def reset_between_scenarios():
        """Test scaffolding, not behaviour under study: forget what was kept, and the pool."""
        served.clear()
        KEPT_OBJECTS.clear()
        KEPT_KEYS.clear()
        engine.dispose()
        return "", 204

    @app.errorhandler(SQLAlchemyError)
    def database_error(error: SQLAlchemyError):
        return {"error": type(error).__name__, "message": str(error)}, 500

    return app


def _kept(place: str, employee_id: int, db: SQLAlchemy) -> Employee | None:
    """What the application kept of the employee in ``place`` in an earlier request, as an object."""
    if place == "global":
        return KEPT_OBJECTS.get(employee_id)
    if place == "key":
        return db.session.get(Employee, KEPT_KEYS[employee_id]) if employee_id in KEPT_KEYS else None
    if place == "g":
        return g.get("kept_employees", {}).get(employee_id)
    abort(404)


def _keep(place: str, employee: Employee) -> None:
    if place == "global":
        KEPT_OBJECTS[employee.id] = employee
    elif place == "key":
        KEPT_KEYS[employee.id] = employee.id
    else:
        g.kept_employees = {**g.get("kept_employees", {}), employee.id: employee}


class InProcessApp:
    """The application called in process through httpx's WSGI transport, as a test client calls it: each request
    runs in the caller's thread, so it finds any application context the caller has pushed."""

    def __init__(self, app: Flask):
        self.app = app
        self._pushed = None

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url="http://hr.test")

    def push_application_context(self) -> None:
        """What a test fixture does with ``with app.app_context():`` around its requests."""
        self._pushed = self.app.app_context()
        self._pushed.push()

    def close(self) -> None:
        if self._pushed is not None:
            self._pushed.pop()
        KEPT_OBJECTS.clear()
        KEPT_KEYS.clear()
        with self.app.app_context():
            self.app.extensions["sqlalchemy"].engine.dispose()


def in_process(database_url: URL, **configuration: bool) -> InProcessApp:
    return InProcessApp(
        create_app(
            database_url.render_as_string(hide_password=False),
            hold_served=configuration.get("hold_served", False),
            commit_after_keeping=configuration.get("commit_after_keeping", False),
            expire_on_commit=configuration.get("expire_on_commit", True),
        )
    )


def app_from_environment() -> Flask:
    """The factory gunicorn calls: ``gunicorn 'support.apps.flask_sqlalchemy_hr:app_from_environment()'``."""
    return create_app(
        os.environ["HR_DATABASE_URL"],
        hold_served=os.environ.get("HR_HOLD_SERVED") == "1",
        commit_after_keeping=os.environ.get("HR_COMMIT_AFTER_KEEPING") == "1",
        expire_on_commit=os.environ.get("HR_EXPIRE_ON_COMMIT") != "0",
    )
