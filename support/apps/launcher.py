"""The web servers' launcher (see ``support.forking``): it imports the servers and the apps once, then forks each
server. Started by ``support.apps.servers`` as ``python -m support.apps.launcher``; the launcher's own imports cost
about as much as one server's did. Each gunicorn worker dies with its master, each master with this launcher.
"""

# what the servers import, imported once here: a run's servers share one import of Flask, FastAPI and SQLAlchemy
import flask.cli  # noqa: F401
import gunicorn.app.wsgiapp  # noqa: F401
import uvicorn.main  # noqa: F401

import support.apps.fastapi_hr
import support.apps.flask_hr
import support.apps.gunicorn_hooks  # noqa: F401
from support import forking

if __name__ == "__main__":
    forking.serve(waits=False)
