"""The run's database as a pytest plugin: the ``--db`` options, the server started at the session's start (and
shared with pytest-xdist workers), the suite's own database made once the run is collected, both stopped at the
end, and the session fixtures that hand them out. Loaded by the harness plugin (``support.pytest_plugin``)."""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest
from sqlalchemy.engine import make_url

from support import guards, scratch, secrets
from support.database.choice import choose, serve
from support.database.harness import SpecDatabase, prepared_database
from support.database.preflight import first_database
from support.database.registry import AUTO_TRIES, CHOICES, own_database_in
from support.database.server import ProviderUnavailable, ServerHandle
from support.evidence import PASSED_OVER, SERVER, SETUP_PROBLEM

SERVER_LIFETIME = pytest.StashKey[ExitStack]()
OWN_DATABASE = pytest.StashKey[SpecDatabase]()  # made once a run without workers is collected
DATABASE_LIFETIME = pytest.StashKey[ExitStack]()  # that database's: dropped by the spec_database fixture's teardown


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sqlalchemy-session-spec", "the database the specification runs on")
    group.addoption(
        "--db",
        choices=CHOICES,
        default=None,
        help=f"provider of the PostgreSQL, or sqlite, or mariadb / mariadb-container (env SPEC_DB; default auto: "
        f"{', else '.join(AUTO_TRIES)})",
    )
    group.addoption(
        "--db-url",
        default=None,
        help="an existing server to create the suite's own database in (env SPEC_DB_URL); never written to",
    )
    group.addoption(
        "--pg-bin",
        default=None,
        help="directory with initdb and postgres for the embedded provider (env SPEC_PG_BIN)",
    )
    group.addoption(
        "--mariadb-bin",
        default=None,
        help="directory with mariadbd and mariadb-install-db for --db=mariadb (env SPEC_MARIADB_BIN; default: found "
        "on PATH or in /usr/sbin)",
    )


@pytest.hookimpl(trylast=True)  # with the harness's own configuration
def pytest_configure(config: pytest.Config) -> None:
    secrets.add_from_url(config.getoption("db_url") or os.environ.get("SPEC_DB_URL"))
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        secrets.add_from_url(workerinput["spec_server"]["admin_url"])
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistServerSharing(), "spec-xdist-server-sharing")


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker uses the server its controller started
        shared = workerinput["spec_server"]
        config.stash[SERVER] = ServerHandle(
            shared["provider"],
            make_url(shared["admin_url"]),
            shared["server_version"],
            shared["detail"],
            dialect=shared["dialect"],
        )
        return
    lifetime, passed_over = ExitStack(), []
    config.stash[SERVER_LIFETIME] = lifetime  # stored first: an interrupt during the start still stops what started
    scratch.sweep_dead_owners(scratch.app_logs())  # web servers' logs of killed runs
    try:
        choice = choose(
            config.getoption("db"),
            config.getoption("db_url"),
            config.getoption("pg_bin"),
            mariadb_bin=config.getoption("mariadb_bin"),
        )
        server = config.stash[SERVER] = lifetime.enter_context(serve(choice, passed_over))
        workers = _workers(config)
        if workers and not config.option.collectonly:  # the controller of workers tries the database they will make
            lifetime.enter_context(first_database(server, "main", workers, keep=False))
    except ProviderUnavailable as unavailable:
        lifetime.close()
        raise pytest.UsageError(f"database: {unavailable}") from None
    config.stash[PASSED_OVER] = tuple(passed_over)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The run's own database, made once the run is known to need it (some scenario, or a test asking for it, is not
    refused): a server that cannot hold it is refused here, in one line, and not by every scenario."""
    config = session.config
    if getattr(config, "workerinput", None) is not None or config.option.collectonly or SERVER not in config.stash:
        return
    if not any(_needs_database(item) for item in session.items):
        return
    lifetime = config.stash[DATABASE_LIFETIME] = ExitStack()  # closed with the session's fixtures, as before
    try:
        config.stash[OWN_DATABASE] = lifetime.enter_context(first_database(config.stash[SERVER], "main", 1, True))
    except ProviderUnavailable as unavailable:
        raise pytest.UsageError(f"database: {unavailable}") from None


def _needs_database(item: pytest.Item) -> bool:
    if SETUP_PROBLEM in item.stash or item.get_closest_marker("skip"):
        return False
    return guards.scenario_of(item) is not None or "spec_database" in getattr(item, "fixturenames", ())


def _workers(config: pytest.Config) -> int:
    """How many pytest-xdist workers the run starts (0: none, the scenarios run in this process)."""
    if config.getoption("dist", "no") == "no":
        return 0
    return getattr(config.option, "numprocesses", None) or len(config.getoption("tx", None) or ()) or 1


def pytest_unconfigure(config: pytest.Config) -> None:
    for lifetime in (config.stash.get(DATABASE_LIFETIME, None), config.stash.get(SERVER_LIFETIME, None)):
        if lifetime is not None:  # the database (unless its fixture dropped it already), then the server
            lifetime.close()


class XdistServerSharing:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        server = node.config.stash[SERVER]
        node.workerinput["spec_server"] = {
            "provider": server.provider,
            "admin_url": server.admin_url.render_as_string(hide_password=False),
            "server_version": server.server_version,
            "detail": server.detail,
            "dialect": server.dialect,
        }


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spec_server(pytestconfig: pytest.Config) -> ServerHandle:
    return pytestconfig.stash[SERVER]


@pytest.fixture(scope="session")
def spec_database(pytestconfig: pytest.Config, spec_server: ServerHandle):
    """The suite's own database in the chosen server, with the schema, for the whole run."""
    from support.database.own_database import as_async_url

    made_after_collection = pytestconfig.stash.get(OWN_DATABASE, None)
    if made_after_collection is not None:
        yield made_after_collection
        pytestconfig.stash[DATABASE_LIFETIME].close()  # dropped as the session's fixtures end, before the summary
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with own_database_in(spec_server, worker) as url, prepared_database(url, as_async_url(url)) as database:
        yield database
