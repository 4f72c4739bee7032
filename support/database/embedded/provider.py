"""The embedded provider's entry: a private server for the block, from binaries to a ready socket."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from sqlalchemy.engine import URL

from support import scratch
from support.database.own_database import SYNC_DRIVER
from support.database.server import Provider, ProviderUnavailable, ServerHandle

from .account import Account, server_account
from .binaries import binaries_usable_by, binary_version, default_bin_dir
from .cluster_cache import SUPERUSER, cache_key, cached_cluster
from .launcher import PORT, socket_file, start, stop, wait_until_ready
from .problems import fix, last_line
from .sweep import sweep_stale_runs


@contextmanager
def serve_embedded(bin_dir: Path | None = None) -> Iterator[ServerHandle]:
    """A private PostgreSQL server for the block; stopped, and its directory removed, at the end."""
    if threading.current_thread() is not threading.main_thread():
        # the parent-death signal fires when the *thread* that started the server ends
        raise ProviderUnavailable("start the embedded PostgreSQL from the main thread, so it dies with the process")
    bin_dir = Path(bin_dir) if bin_dir else default_bin_dir()
    version = binary_version(bin_dir)
    account = server_account()
    socket_file(scratch.data_root() / scratch.owned_name() / "socket")  # refused before anything is built
    root = _prepared_root(account)
    sweep_stale_runs(root)
    bin_dir = binaries_usable_by(account, bin_dir, root / "binaries" / cache_key(bin_dir))
    cluster, from_cache = cached_cluster(bin_dir, account, root)
    run_dir = scratch.make_owned_directory(root, 0o711)  # the server's user may pass through, not list
    try:
        data, sockets, log = run_dir / "data", run_dir / "socket", run_dir / "server.log"
        started = time.perf_counter()
        copying = subprocess.run(["cp", "-a", str(cluster), str(data)], capture_output=True, text=True)  # keeps owner
        if copying.returncode:
            problem = last_line(copying.stderr)
            raise ProviderUnavailable(f"could not copy the cached cluster into {run_dir}: {problem}: {fix(problem)}")
        account.make_dir(sockets, 0o700)
        server = start(bin_dir, data, sockets, log, account)
        try:
            wait_until_ready(server, sockets, log)
            ready = time.perf_counter() - started
            yield ServerHandle(
                provider="embedded",
                admin_url=URL.create(
                    SYNC_DRIVER,
                    username=SUPERUSER,
                    database="postgres",
                    query={"host": str(sockets), "port": str(PORT)},
                ),
                server_version=version,
                detail=(
                    f"binaries {bin_dir}, data in {run_dir}, unix socket only, runs as {account.name}, "
                    f"{'cached cluster' if from_cache else 'new cluster'}, ready in {ready:.2f} s"
                ),
            )
        finally:
            stop(server)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _prepared_root(account: Account) -> Path:
    """The scratch root, refused when it is not ours or the server's account cannot enter it."""
    try:
        root = scratch.prepared_root()
    except scratch.ScratchRootRefused as refused:
        raise ProviderUnavailable(str(refused)) from None
    if not account.can_enter(root):
        raise ProviderUnavailable(
            f"the server's user {account.name} cannot enter {root}: "
            "set SPEC_PG_DATA_ROOT to a directory every user can enter, e.g. /tmp"
        )
    return root


def server_processes(handle: ServerHandle) -> list[psutil.Process]:
    """The postmaster of an embedded server and all its children (for tests and measurements)."""
    data = Path(handle.admin_url.query["host"]).parent / "data"
    postmaster = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


PROVIDER = Provider(
    name="embedded",
    serve=lambda settings: serve_embedded(settings.pg_bin),
    meant_by=lambda settings: settings.pg_bin is not None,  # naming a binary directory means "use those binaries"
)
