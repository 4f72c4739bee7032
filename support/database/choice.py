"""Which PostgreSQL the run uses.

Options and their environment variables: ``--db`` / ``SPEC_DB``, ``--db-url`` / ``SPEC_DB_URL``,
``--pg-bin`` / ``SPEC_PG_BIN``.
A command-line option wins over its environment variable, which wins over the default (``auto``).
``auto`` takes the URL when one is given, else a container when a Docker engine answers, else the
embedded server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .server import ProviderUnavailable, ServerHandle

PROVIDERS = ("auto", "url", "container", "embedded")


@dataclass(frozen=True)
class DatabaseChoice:
    provider: str  # "url", "container" or "embedded": never "auto"
    url: str | None = None
    pg_bin: Path | None = None
    passed_over: tuple[str, ...] = field(default=())  # why auto did not take the providers before it
    fall_back: bool = False  # auto's container choice: fall back to embedded if the container cannot start


def choose(
    db: str | None, db_url: str | None, pg_bin: str | None, environ: Mapping[str, str] = os.environ
) -> DatabaseChoice:
    requested = (db or environ.get("SPEC_DB") or "auto").strip().lower()
    url = db_url or environ.get("SPEC_DB_URL") or None
    bin_text = pg_bin or environ.get("SPEC_PG_BIN") or None
    bin_dir = Path(bin_text) if bin_text else None
    if requested not in PROVIDERS:
        raise ProviderUnavailable(f"unknown database provider {requested!r}: use one of {', '.join(PROVIDERS)}")
    if requested == "url":
        if not url:
            raise ProviderUnavailable("--db=url needs a server: pass --db-url=postgresql://user@host:5432/postgres")
        return DatabaseChoice("url", url=url)
    if requested == "container":
        return DatabaseChoice("container")
    if requested == "embedded":
        return DatabaseChoice("embedded", pg_bin=bin_dir)
    if url:
        return DatabaseChoice("url", url=url)
    if bin_dir:  # naming a binary directory means "use those binaries"
        return DatabaseChoice("embedded", pg_bin=bin_dir)
    from .container import docker_unavailable_reason

    reason = docker_unavailable_reason(timeout=2.0)
    if reason is None:
        return DatabaseChoice("container", fall_back=True)
    return DatabaseChoice("embedded", passed_over=(f"container: {reason}",))


@contextmanager
def serve(choice: DatabaseChoice, passed_over: list[str]) -> Iterator[ServerHandle]:
    """The chosen server for the block; ``passed_over`` gains the reason when auto had to fall back."""
    passed_over.extend(choice.passed_over)
    with ExitStack() as lifetime:
        if choice.provider == "url":
            from .url import serve_url

            handle = lifetime.enter_context(serve_url(choice.url))
        elif choice.provider == "container":
            handle = _container_or_fall_back(choice, lifetime, passed_over)
        else:
            from .embedded import serve_embedded

            handle = lifetime.enter_context(serve_embedded(choice.pg_bin))
        yield handle


def _container_or_fall_back(choice: DatabaseChoice, lifetime: ExitStack, passed_over: list[str]) -> ServerHandle:
    from .container import serve_container

    try:
        return lifetime.enter_context(serve_container())
    except ProviderUnavailable as unavailable:
        if not choice.fall_back:
            raise
        passed_over.append(f"container: {unavailable}")
    from .embedded import serve_embedded

    return lifetime.enter_context(serve_embedded(choice.pg_bin))
