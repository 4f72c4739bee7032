"""The project's fixtures: its engine, its scoped_session, and the HR application served by waitress (a pool of
4 threads, as gunicorn's threaded worker keeps) in this test process, on a loopback port, for the whole run."""

import json
import os
import threading
import urllib.request

import pytest
from hr_app import create_hr_app
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import QueuePool
from waitress.server import create_server

# SQLAlchemy 2.0's defaults for an SQLite file, passed on 1.4 too: a pool that counts its checked-out connections
# (1.4 opens a file database with NullPool, which keeps none), and connections waitress's threads may share
SQLITE_FILE_DEFAULTS = {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}


@pytest.fixture(scope="session")
def engine():
    url = make_url(os.environ["HR_DATABASE_URL"])
    engine = create_engine(url, **(SQLITE_FILE_DEFAULTS if url.get_backend_name() == "sqlite" else {}))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def Session(engine):
    return scoped_session(sessionmaker(bind=engine))


@pytest.fixture
def session_leak_registries(Session):
    """The leak check watches the application's registry, under the name its lines give it."""
    return {"hr_app.Session": Session}


class HrClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base_url + path, timeout=30) as response:
            return json.load(response)


@pytest.fixture(scope="session")
def hr(Session):
    """The application over HTTP; HR_REMOVE_AT_TEARDOWN=1 serves the fixed one."""
    app = create_hr_app(Session, remove_at_teardown=os.environ.get("HR_REMOVE_AT_TEARDOWN") == "1")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-server", daemon=True)
    thread.start()
    yield HrClient(f"http://127.0.0.1:{server.effective_port}")
    server.close()
    thread.join(10)
