"""The container provider: testcontainers' PostgresContainer, when a Docker engine answers.

The engine is looked for where testcontainers looks (``tc.host`` in ~/.testcontainers.properties,
DOCKER_HOST, the current docker context, else the default socket), and asked through the Docker SDK
in a worker thread, so an absent, refusing or hanging engine costs at most the timeout. testcontainers
and the Docker SDK are imported only when there is an engine to ask. The detection and the start
(``docker_unavailable_reason``, ``container_password``, ``started``) serve MySQL/MariaDB's container too
(support.database.mysql.container), each refusal naming that provider's alternative.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from support import secrets as run_secrets

from .server import Provider, ProviderUnavailable, ServerHandle

PINNED_IMAGE = "postgres:18.6-alpine"  # a fixed tag, never latest; the embedded server's major version
DEFAULT_ENGINE = "unix:///var/run/docker.sock"
OR_EMBEDDED = "or use --db=embedded"


def engine_address() -> str:
    """The Docker engine testcontainers would use, as a DOCKER_HOST-style address."""
    home = Path.home()
    docker_config = Path(os.environ.get("DOCKER_CONFIG") or home / ".docker") / "config.json"
    configured = (
        os.environ.get("DOCKER_HOST")
        or os.environ.get("DOCKER_CONTEXT")
        or (home / ".testcontainers.properties").exists()
        or docker_config.exists()
    )
    if not configured:  # the common case: no need to import testcontainers to know
        return DEFAULT_ENGINE
    from testcontainers.core.docker_client import get_docker_host

    return get_docker_host() or DEFAULT_ENGINE


def _one_line(error: BaseException, limit: int = 200) -> str:
    words = " ".join(str(error).split()) or type(error).__name__
    return words if len(words) <= limit else words[: limit - 3] + "..."


def docker_unavailable_reason(
    timeout: float = 2.0, image: str = PINNED_IMAGE, otherwise: str = OR_EMBEDDED
) -> str | None:
    """None when a Docker engine answers within ``timeout`` s and has ``image`` or can pull it; else one line why,
    ending with ``otherwise``, the way to a server without Docker."""
    try:
        address = engine_address()
    except Exception as error:  # an unreadable docker or testcontainers configuration
        return f"cannot tell where Docker is ({_one_line(error)}): fix the docker configuration, {otherwise}"
    if address.startswith("unix://") and not Path(address.removeprefix("unix://")).exists():
        return f"no Docker engine ({address.removeprefix('unix://')} does not exist): start Docker, {otherwise}"
    import docker  # imported before the clock starts: the timeout is for the engine, not for Python

    progress = {"stage": "ping"}
    outcome: dict[str, str | None] = {}

    def ask() -> None:
        try:
            outcome["reason"] = _ask_engine(docker, address, timeout, image, progress, otherwise)
        except Exception as error:
            if progress["stage"] == "ping":
                fix = f"start it or fix DOCKER_HOST, {otherwise}"
                outcome["reason"] = f"no Docker engine answers at {address} ({_one_line(error)}): {fix}"
            else:
                problem = f"the Docker engine could not look up {image} ({_one_line(error)})"
                outcome["reason"] = f"{problem}: check the engine, {otherwise}"

    worker = threading.Thread(target=ask, name="docker-ping", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():  # left to end on its own socket timeout
        if progress["stage"] == "ping":
            return f"no answer from a Docker engine at {address} within {timeout:g} s: start it, {otherwise}"
        return (
            f"{image} is not present and the registry did not answer within {timeout:g} s: "
            f"run docker pull {image}, {otherwise}"
        )
    return outcome["reason"]


def _ask_engine(
    docker, address: str, timeout: float, image: str, progress: dict[str, str], otherwise: str
) -> str | None:
    environment = {**os.environ, "DOCKER_HOST": address}  # as testcontainers sets it before docker.from_env()
    # the client's own socket timeout outlasts the caller's deadline, so the deadline speaks first
    client = docker.from_env(environment=environment, timeout=timeout + 1, use_ssh_client=address.startswith("ssh://"))
    try:
        client.ping()
        progress["stage"] = "image"
        try:
            client.images.get(image)
            return None
        except docker.errors.NotFound:
            pass
        try:
            client.api.inspect_distribution(image)  # asks the registry, through the engine
            return None  # pullable: testcontainers pulls it at start
        except docker.errors.APIError as error:
            fix = "fix the tag or the registry access"
            return f"{image} is not present and cannot be pulled ({_one_line(error)}): {fix}, {otherwise}"
    finally:
        client.close()


@contextmanager
def started(make: Callable[[], object], image: str, otherwise: str = OR_EMBEDDED) -> Iterator:
    """The testcontainers container ``make()`` builds, started for the block and stopped at its end; a refused
    pull or start is ProviderUnavailable in one line, naming ``otherwise`` as the way without Docker."""
    container = None
    try:
        container = make()
        container.start()
    except Exception as error:  # a refused pull or start: one line, with the fix
        if container is not None:
            with suppress(Exception):
                container.stop()
        problem = run_secrets.mask(_one_line(error))
        fix = f"check that docker run {image} works, {otherwise}"
        raise ProviderUnavailable(f"could not start {image} ({problem}): {fix}") from None
    try:
        yield container
    finally:
        container.stop()


def container_password(image: str, timeout: float, otherwise: str = OR_EMBEDDED) -> str:
    """A new password for a container of ``image`` (its port is published on the host: not the well-known default),
    masked in every output; ProviderUnavailable, in one line ending with ``otherwise``, when Docker cannot serve."""
    reason = docker_unavailable_reason(timeout, image, otherwise)
    if reason:
        raise ProviderUnavailable(reason)
    password = secrets.token_hex(16)
    run_secrets.add(password)
    return password


@contextmanager
def serve_container(image: str = PINNED_IMAGE, timeout: float = 2.0) -> Iterator[ServerHandle]:
    """A PostgreSQL container for the block, stopped at its end; ProviderUnavailable when Docker cannot serve."""
    password = container_password(image, timeout)
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community namespace
        from testcontainers.postgres import PostgresContainer

    def make() -> PostgresContainer:
        return PostgresContainer(image, username="spec", password=password, dbname="postgres", driver="psycopg2")

    with started(make, image) as container:
        url = make_url(container.get_connection_url())
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SHOW server_version")).scalar().split()[0]
        finally:
            engine.dispose()
        yield ServerHandle("container", url, version, f"image {image}, {url.host}:{url.port}")


PROVIDER = Provider(
    name="container",
    serve=lambda settings: serve_container(),
    unavailable=lambda: docker_unavailable_reason(timeout=2.0),
)
