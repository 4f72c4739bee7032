"""The conftest of the lifecycle tests the specification runs with pytest: the incident's HR application, built as
its server builds it (``app_from_environment``: HR_DATABASE_URL, HR_REMOVE_AT_TEARDOWN), and employee 42 stored
with the email old@corp.example before each test."""

import pytest
from flask import Flask
from sqlalchemy import text

from support.apps.flask_hr import app_from_environment


@pytest.fixture
def app():
    app = app_from_environment()
    yield app
    app.config["SESSION_REGISTRY"].remove()
    app.config["ENGINE"].dispose()


@pytest.fixture
def client(app: Flask):
    """Flask's test client: every request served on the test's own thread, one after the other."""
    return app.test_client()


@pytest.fixture
def Session(app: Flask):
    """The application's scoped_session, as a test imports it from the project (``from hr.db import Session``)."""
    return app.config["SESSION_REGISTRY"]


@pytest.fixture(autouse=True)
def employee_42(app: Flask):
    with app.config["ENGINE"].begin() as connection:
        connection.execute(text("DELETE FROM employees WHERE id = 42"))
        connection.execute(
            text("INSERT INTO employees (id, name, email) VALUES (42, 'Employee 42', 'old@corp.example')")
        )
