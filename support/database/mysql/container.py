"""The ``mariadb-container`` provider (``--db=mariadb-container``): testcontainers' MySqlContainer running MariaDB's
official image, when a Docker engine answers.

The PostgreSQL container's rules (support.database.container): the engine is looked for and asked the same way, within
the same 2 s, and a refusal is one line naming the fix, here ``--db=mariadb`` (the machine's MariaDB binaries) as the
way without Docker; the image is pinned to a release, never latest; the root password is random (the port is published
on the host) and masked in every output; the container is stopped at the end of the run (testcontainers' reaper
removes one a killed run left). The server is then what a ``mysql+pymysql://`` URL gives: its facts are checked as
the url provider checks them (MariaDB 10.4 or newer, InnoDB), and the suite makes its own ``spec_*`` database in it,
marked with its owner, by support.database.mysql.own_database. ``auto`` never picks it: auto looks for a PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL, make_url

from support import secrets as run_secrets
from support.database.container import container_password, started
from support.database.server import Provider, ProviderUnavailable, ServerHandle

from .own_database import SYNC_DRIVER
from .server import inspect, unfit
from .url import where

NAME = "mariadb-container"
# a fixed tag, never latest: the release line (10.11, LTS) of the mariadb provider's binaries on Debian 12
PINNED_IMAGE = "mariadb:10.11.14"
OR_BINARIES = "or use --db=mariadb"
ADMIN_DATABASE = "mysql"  # the URL's database, never written to: MariaDB's system database, as postgres is PostgreSQL's
CONNECT_TIMEOUT = 10  # s, for the first look at the started server


def admin_url_of(connection_url: str) -> URL:
    """The container's URL (testcontainers': ``mysql+pymysql://root:...@host:port/mysql``) as the providers' admin URL:
    PyMySQL named, whatever testcontainers wrote."""
    url = make_url(connection_url)
    return url.set(drivername=f"{url.get_backend_name()}+{SYNC_DRIVER}")


def server_handle(admin_url: URL, image: str) -> ServerHandle:
    """The started server as the harness sees it, once it answers and can run the specification; ProviderUnavailable
    in one line otherwise (an image of the wrong kind or too old)."""
    facts = inspect(admin_url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)}))
    problem = unfit(facts, f"{where(admin_url)} ({image})")
    if problem:
        raise ProviderUnavailable(problem)
    return ServerHandle(
        NAME, admin_url, facts.short_version, f"image {image}, {where(admin_url)} as {facts.user}", dialect="mysql"
    )


@contextmanager
def serve_mariadb_container(image: str = PINNED_IMAGE, timeout: float = 2.0) -> Iterator[ServerHandle]:
    """A MariaDB container for the block, stopped at its end; ProviderUnavailable when Docker cannot serve."""
    password = container_password(image, timeout, otherwise=OR_BINARIES)
    try:
        from testcontainers.community.mysql import MySqlContainer
    except ImportError:  # testcontainers before the community namespace
        from testcontainers.mysql import MySqlContainer

    def make() -> MySqlContainer:
        # root: the suite creates and drops databases of its own; MariaDB's image reads the MYSQL_* variables too
        return MySqlContainer(image, dialect=SYNC_DRIVER, username="root", password=password, dbname=ADMIN_DATABASE)

    with started(make, image, OR_BINARIES) as container:
        try:
            handle = server_handle(admin_url_of(container.get_connection_url()), image)
        except ProviderUnavailable:
            raise
        except Exception as error:  # DBAPIError mostly: it started but does not answer
            problem = run_secrets.mask(" ".join(str(getattr(error, "orig", error)).split()) or type(error).__name__)
            raise ProviderUnavailable(
                f"{image} started but did not answer as a MariaDB server ({problem}): check that docker run {image} "
                f"works, {OR_BINARIES}"
            ) from None
        yield handle


PROVIDER = Provider(
    name=NAME,
    serve=lambda settings: serve_mariadb_container(),
    # the default own_database (the admin URL's dialect is MySQL's); no sweep: a killed run's container, and its
    # databases, go with it
)
