"""gunicorn settings read from this module (``--config python:support.apps.gunicorn_hooks``)."""

import signal

from support.processes import die_with_parent


def post_fork(server, worker) -> None:
    """A worker dies with its master, as the master dies with pytest: none is left serving after a kill."""
    die_with_parent(signal.SIGKILL, parent_pid=server.pid)()
