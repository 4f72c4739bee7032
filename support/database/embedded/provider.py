"""The embedded provider's entry: a private server for the block, from binaries to a ready socket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support.database import server_process
from support.database.own_database import SYNC_DRIVER
from support.database.server import Provider, ServerHandle

from .binaries import binaries_usable_by, binary_version, default_bin_dir
from .cluster_cache import SUPERUSER, cache_key, cached_cluster
from .launcher import KIND, PORT, command


@contextmanager
def serve_embedded(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    """A private PostgreSQL server for the block; stopped, and its directory removed, at the end."""
    bin_dir = Path(bin_dir) if bin_dir else default_bin_dir()
    version = binary_version(bin_dir)
    account, root = server_process.prepare(KIND)  # swept of what dead runs left
    bin_dir = binaries_usable_by(account, bin_dir, root / "binaries" / cache_key(bin_dir))
    cluster, from_cache = cached_cluster(bin_dir, account, root)
    with server_process.running_server(
        KIND, account, root, cluster, lambda run: command(bin_dir, run.data, run.sockets)
    ) as run:
        yield ServerHandle(
            provider="embedded",
            admin_url=URL.create(
                SYNC_DRIVER,
                username=SUPERUSER,
                database="postgres",
                query={"host": str(run.sockets), "port": str(PORT)},
            ),
            server_version=version,
            detail=(
                f"binaries {bin_dir}, data in {run.directory}, unix socket only, runs as {account.name}, "
                f"{'cached cluster' if from_cache else 'new cluster'}, ready in {run.seconds():.2f} s"
            ),
        )


def server_processes(handle: ServerHandle) -> list[psutil.Process]:
    """The postmaster of an embedded server and all its children (for tests and measurements)."""
    postmaster = server_process.server_pid(Path(handle.admin_url.query["host"]).parent / "data", KIND)
    return [postmaster, *postmaster.children(recursive=True)]


PROVIDER = Provider(
    name="embedded",
    serve=lambda settings: serve_embedded(settings.pg_bin),
    meant_by=lambda settings: settings.pg_bin is not None,  # naming a binary directory means "use those binaries"
)
