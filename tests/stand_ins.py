"""Local stand-ins for servers that misbehave, for tests of the providers' refusals (loopback only)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


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
