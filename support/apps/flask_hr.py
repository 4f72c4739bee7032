"""A real Flask application of the HR incident: employees read and updated through a scoped session."""

from __future__ import annotations

from flask import Flask, abort, request
from sqlalchemy.orm import scoped_session

from support.models import Employee


def create_hr_app(Session: scoped_session, *, remove_at_teardown: bool) -> Flask:
    """``remove_at_teardown`` is the fix under study. With ``app.config["HOLD_SERVED"]`` the
    application keeps every employee it served referenced (the precondition for an identity-map hit
    in a later request: the identity map alone holds objects weakly)."""
    app = Flask("hr")
    app.config.update(HOLD_SERVED=False, SERVED_EMPLOYEES=[])

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
        return {"id": employee.id, "email": employee.email}

    @app.put("/employees/<int:employee_id>")
    def update_employee(employee_id: int):
        session = Session()
        employee = session.get(Employee, employee_id) or abort(404)
        employee.email = request.get_json()["email"]
        session.commit()
        return {"id": employee.id, "email": employee.email}

    return app
