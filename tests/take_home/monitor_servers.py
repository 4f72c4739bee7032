"""Real servers in a thread of the test process for the monitor's and the gauge's tests: werkzeug's threaded WSGI
server (a new thread per request) and uvicorn (one event loop). Leaving the block stops the server; uvicorn waits
for its requests' tasks first, so whatever the monitor reports after a response has been sent is in by then.
Before it stops, uvicorn's event loop collects the garbage: connections of sessions a test left unclosed are
terminated on the loop they belong to, not later on a closed one."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from werkzeug.serving import make_server

COLLECT = "/_served/collect"  # not passed to the application: the garbage collected on the server's loop


@contextmanager
def wsgi_served(app) -> Iterator[httpx.Client]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=10.0) as client:
            yield client
    finally:
        server.shutdown()
        thread.join(10)


@contextmanager
def asgi_served(app) -> Iterator[httpx.Client]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def served(scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == COLLECT:
            gc.collect()
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    server = uvicorn.Server(uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn ended at start"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as client:
            yield client
            client.get(COLLECT)
    finally:
        server.should_exit = True
        thread.join(10)
