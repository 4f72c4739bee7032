"""The providers, in the order auto tries them: the plugin's ``--db`` choices and the dispatch of choice.py."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.engine import URL

from . import container, sqlite, url
from .embedded import provider as embedded
from .mysql import container as mariadb_container
from .mysql import provider as mariadb
from .server import Provider, ServerHandle

PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        url.PROVIDER,
        container.PROVIDER,
        embedded.PROVIDER,
        sqlite.PROVIDER,
        mariadb.PROVIDER,
        mariadb_container.PROVIDER,
    )
}
AUTO = "auto"
CHOICES = (AUTO, *PROVIDERS)  # what --db and SPEC_DB accept
AUTO_TRIES = (url.PROVIDER.name, container.PROVIDER.name, embedded.PROVIDER.name)  # PostgreSQL's, in order
PROBED = tuple(provider for provider in PROVIDERS.values() if provider.unavailable is not None)
# auto's choice when the settings name no provider and no probe finds one able; also its fall-back when a probed
# provider cannot start after all
LAST_RESORT = embedded.PROVIDER


def own_database_in(server: ServerHandle, worker: str) -> AbstractContextManager[URL]:
    """The suite's own database in ``server``, made as its provider needs: a psycopg2 (or pysqlite) URL."""
    return PROVIDERS[server.provider].own_database(server.admin_url, worker)
