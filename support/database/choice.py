"""Which PostgreSQL the run uses.

Options and their environment variables: ``--db`` / ``SPEC_DB``, ``--db-url`` / ``SPEC_DB_URL``,
``--pg-bin`` / ``SPEC_PG_BIN``, ``--mariadb-bin`` / ``SPEC_MARIADB_BIN``.
A command-line option wins over its environment variable, which wins over the default (``auto``).
``auto`` takes the provider the settings name (a URL: url; a binary directory: embedded), else the first one
the registry's probes find able to serve (a container, when a Docker engine answers), else the last resort
(the embedded server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .registry import AUTO, CHOICES, LAST_RESORT, PROBED, PROVIDERS
from .server import ProviderUnavailable, ServerHandle, ServerSettings


@dataclass(frozen=True)
class DatabaseChoice:
    provider: str  # a provider's name in the registry: never "auto"
    settings: ServerSettings = field(default_factory=ServerSettings)
    passed_over: tuple[str, ...] = field(default=())  # why auto did not take the providers before it
    fall_back: bool = False  # auto's probed choice: fall back to the registry's last resort if it cannot start


def choose(
    db: str | None,
    db_url: str | None,
    pg_bin: str | None,
    environ: Mapping[str, str] = os.environ,
    *,
    mariadb_bin: str | None = None,
) -> DatabaseChoice:
    requested = (db or environ.get("SPEC_DB") or AUTO).strip().lower()
    bin_text = pg_bin or environ.get("SPEC_PG_BIN") or None
    mariadb_text = mariadb_bin or environ.get("SPEC_MARIADB_BIN") or None
    settings = ServerSettings(
        db_url or environ.get("SPEC_DB_URL") or None,
        Path(bin_text) if bin_text else None,
        Path(mariadb_text) if mariadb_text else None,
    )
    if requested not in CHOICES:
        raise ProviderUnavailable(f"unknown database provider {requested!r}: use one of {', '.join(CHOICES)}")
    if requested != AUTO:
        lacking = PROVIDERS[requested].lacking(settings)
        if lacking:
            raise ProviderUnavailable(lacking)
        return DatabaseChoice(requested, settings)
    for provider in PROVIDERS.values():
        if provider.meant_by(settings):
            return DatabaseChoice(provider.name, settings)
    passed_over = []
    for provider in PROBED:
        reason = provider.unavailable()
        if reason is None:
            return DatabaseChoice(provider.name, settings, tuple(passed_over), fall_back=True)
        passed_over.append(f"{provider.name}: {reason}")
    return DatabaseChoice(LAST_RESORT.name, settings, tuple(passed_over))


@contextmanager
def serve(choice: DatabaseChoice, passed_over: list[str]) -> Iterator[ServerHandle]:
    """The chosen server for the block; ``passed_over`` gains the reason when auto had to fall back."""
    passed_over.extend(choice.passed_over)
    provider = PROVIDERS[choice.provider]
    with ExitStack() as lifetime:
        try:
            handle = lifetime.enter_context(provider.serve(choice.settings))
        except ProviderUnavailable as unavailable:
            if not choice.fall_back:
                raise
            passed_over.append(f"{provider.name}: {unavailable}")
            handle = lifetime.enter_context(LAST_RESORT.serve(choice.settings))
        yield handle
