"""The web servers' launcher: one Python that imports the servers and the apps once, then forks each server.

Started by ``support.apps.servers`` as ``python -m support.apps.launcher``. A request is one JSON line on its
standard input (``{"module": "gunicorn", "arguments": [...], "environment": {...}, "log": path}``: what
``python -m <module> <arguments>`` would run); the answer is the server's pid on one line. A server then costs a
fork, not a new Python importing Flask or FastAPI and SQLAlchemy (about half a second of CPU each); the launcher's
own imports cost about as much as one server's did.

The parent-death chain is unbroken: the launcher dies with pytest (SIGKILL, armed by its starter), each server
with the launcher, each gunicorn worker with its master. The launcher ends at the end of its input.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import traceback
from contextlib import suppress
from typing import NoReturn

# what the servers import, imported once here: a run's servers share one import of Flask, FastAPI and SQLAlchemy
import flask.cli  # noqa: F401
import gunicorn.app.wsgiapp  # noqa: F401
import uvicorn.main  # noqa: F401

import support.apps.fastapi_hr
import support.apps.flask_hr
import support.apps.gunicorn_hooks  # noqa: F401
from support.processes import die_with_parent


def main() -> None:
    launcher = os.getpid()
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for pytest and the servers; this one ends with pytest
    for request in sys.stdin:
        server = json.loads(request)
        pid = os.fork()  # from the main thread, the only one: a server's parent-death signal follows this process
        if pid == 0:
            _serve(server, launcher)
        print(pid, flush=True)


def _reap(signum: int, frame) -> None:
    """Ended servers are waited for at once (not left to the kernel: their CPU time then counts in ours)."""
    with suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _serve(server: dict, launcher: int) -> NoReturn:
    """In the forked child: become the server ``python -m <module> <arguments>`` would have started."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        die_with_parent(signal.SIGKILL, parent_pid=launcher)()
        log = os.open(server["log"], os.O_WRONLY | os.O_APPEND)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(server["environment"])
        sys.argv = [server["module"], *server["arguments"]]  # runpy puts the module's path first, as python -m
        runpy.run_module(server["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
