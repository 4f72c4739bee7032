"""Local stand-ins for servers that misbehave, for tests of the providers' refusals (loopback only)."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.helpers.from_support import PINNED_IMAGE


@contextmanager
def silent_server(family: int, address) -> Iterator[socket.socket]:
    """Accepts connections on ``address`` and never answers: a hung server. Yields the listening socket."""
    server = socket.socket(family, socket.SOCK_STREAM)
    server.bind(address)
    server.listen()
    server.settimeout(0.1)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()


@contextmanager
def stand_in_engine(path: str, image_present: bool, registry: str, image: str = PINNED_IMAGE) -> Iterator[list[str]]:
    """A Docker engine answering the few API calls detection makes, over a unix socket; yields the paths asked for.

    ``registry``: "answers" (the image can be pulled), "refuses" or "hangs".
    """
    asked: list[str] = []

    class Engine(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path.endswith("/version"):
                self.reply(200, {"ApiVersion": "1.45", "Version": "stand-in"})
            elif self.path.endswith("/_ping"):
                self.reply(200, "OK")
            elif "/images/" in self.path:
                self.reply(
                    *(
                        (200, {"Id": "sha256:" + "0" * 64})
                        if image_present
                        else (404, {"message": f"No such image: {image}"})
                    )
                )
            elif "/distribution/" in self.path and registry == "answers":
                self.reply(200, {"Descriptor": {"digest": "sha256:" + "0" * 64}})
            elif "/distribution/" in self.path and registry == "refuses":
                self.reply(401, {"message": "pull access denied for postgres"})
            elif "/distribution/" in self.path:
                time.sleep(3)
            else:
                self.reply(404, {"message": "not in this stand-in"})

        def reply(self, status: int, body) -> None:
            payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def address_string(self) -> str:
            return "unix"

        def log_message(self, *arguments) -> None:
            pass

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    server = Server(path, Engine)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()
