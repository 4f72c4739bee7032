"""The container provider: testcontainers' PostgresContainer, when a Docker engine answers.

Detection talks to the engine's API directly with a hard timeout, so an absent, refusing or hanging
engine costs at most that timeout. testcontainers and the Docker SDK are imported only when used.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .server import ProviderUnavailable, ServerHandle

PINNED_IMAGE = "postgres:16.4-alpine"  # a fixed tag, never latest
PULL_HINT = f"docker pull {PINNED_IMAGE}"


def _engine_address() -> tuple[int, object, str]:
    """(address family, address, description) of the Docker engine named by DOCKER_HOST or the default socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parsed = urlparse(host)
    if parsed.scheme == "unix":
        return socket.AF_UNIX, parsed.path, parsed.path
    if parsed.scheme in ("tcp", "http"):
        return socket.AF_INET, (parsed.hostname, parsed.port or 2375), f"{parsed.hostname}:{parsed.port or 2375}"
    raise ProviderUnavailable(f"DOCKER_HOST={host} is not a unix:// or tcp:// address: fix or unset DOCKER_HOST")


def _api_get(path: str, timeout: float) -> int:
    """HTTP status of a GET on the engine's API; raises OSError on no answer within ``timeout`` overall."""
    family, address, _ = _engine_address()
    with socket.socket(family, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(address)
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        status_line = connection.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        raise OSError(f"not a Docker engine answer: {status_line!r}")
    return int(parts[1])


def docker_unavailable_reason(timeout: float = 2.0, image: str = PINNED_IMAGE) -> str | None:
    """None when a Docker engine answers a ping within ``timeout``; else one line saying why not."""
    try:
        _, _, where = _engine_address()
    except ProviderUnavailable as unusable:
        return str(unusable)
    try:
        if _api_get("/_ping", timeout) != 200:
            return f"the Docker engine at {where} did not answer its ping with OK: check that it is healthy"
    except TimeoutError:
        return f"no answer from a Docker engine at {where} within {timeout:g} s: start it, or use --db=embedded"
    except FileNotFoundError:
        return f"no Docker engine ({where} does not exist): start Docker, or use --db=embedded"
    except OSError as error:
        return f"no Docker engine at {where} ({error.strerror or error}): start Docker, or use --db=embedded"
    return None


@contextmanager
def serve_container(image: str = PINNED_IMAGE, timeout: float = 2.0) -> Iterator[ServerHandle]:
    reason = docker_unavailable_reason(timeout, image)
    if reason:
        raise ProviderUnavailable(reason)
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(image, driver="psycopg2")
    try:
        container.start()
    except Exception as error:  # a missing, unpullable image or a refused start: one line, with the fix
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ProviderUnavailable(f"could not start {image}: {first_line} (try: {PULL_HINT})") from None
    try:
        url = make_url(container.get_connection_url())
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one().split()[0]
        engine.dispose()
        yield ServerHandle("container", url, version, f"image {image}, {url.host}:{url.port}")
    finally:
        container.stop()
