"""The incident's HR application, in the shape of support/apps/flask_hr.py: employees read through a
scoped_session, which only the fixed application removes at the end of each request."""

from flask import Flask, abort
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base, scoped_session

Base = declarative_base()


class Employee(Base):
    __tablename__ = "employees"
    id = Column(Integer, primary_key=True, autoincrement=False)
    name = Column(String(100), nullable=False)
    email = Column(String(200), nullable=False)


def create_hr_app(Session: scoped_session, *, remove_at_teardown: bool) -> Flask:
    app = Flask("hr")

    if remove_at_teardown:

        @app.teardown_appcontext
        def remove_session(exception=None):
            Session.remove()

    @app.get("/employees/<int:employee_id>")
    def read_employee(employee_id: int):
        employee = Session().get(Employee, employee_id)
        if employee is None:
            abort(404)
        return {"id": employee.id, "email": employee.email}

    return app
