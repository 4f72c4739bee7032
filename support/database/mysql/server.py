"""What a MySQL/MariaDB server is, and whether the specification can run on it: one line naming the fix if not."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import URL

from .own_database import admin_engine

# the oldest releases the specification runs on: InnoDB's savepoints, foreign keys with ON DELETE CASCADE and
# CHECK constraints enforced, and SQLAlchemy's own support of the dialect (MariaDB 10.4 and MySQL 8.0 are the
# oldest lines their vendors still documented when this was written)
MINIMUM = {"MariaDB": (10, 4), "MySQL": (8, 0)}


@dataclass(frozen=True)
class ServerFacts:
    product: str  # MariaDB or MySQL
    version: str  # the server's own words, e.g. "10.11.19-MariaDB-0+deb12u1"
    user: str  # CURRENT_USER(), e.g. root@localhost
    innodb: str  # InnoDB's SUPPORT: YES, DEFAULT, NO, DISABLED, or "" when it is absent

    @property
    def short_version(self) -> str:
        """``10.11.19-MariaDB``: the version and the product, without the distribution's suffix."""
        number = re.match(r"[\d.]+", self.version)
        return f"{number.group()}-{self.product}" if number else self.version


def inspect(url: URL) -> ServerFacts:
    """The facts of the server behind a PyMySQL ``url`` (DBAPIError when it does not answer)."""
    engine = admin_engine(url)
    try:
        with engine.connect() as connection:
            facts = text("SELECT VERSION(), @@version_comment, CURRENT_USER()")
            version, comment, user = connection.execute(facts).one()
            innodb = connection.execute(
                text("SELECT support FROM information_schema.engines WHERE engine = 'InnoDB'")
            ).scalar()
    finally:
        engine.dispose()
    product = "MariaDB" if "mariadb" in f"{version} {comment}".lower() else "MySQL"
    return ServerFacts(product, version, user, (innodb or "").upper())


def unfit(facts: ServerFacts, at: str) -> str | None:
    """Why the specification cannot run on this server, in one line naming the fix; None when it can."""
    found = re.match(r"(\d+)\.(\d+)", facts.version)
    version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    minimum = MINIMUM[facts.product]
    if version < minimum:
        return (
            f"{facts.product} {facts.version} at {at} is older than {facts.product} {'.'.join(map(str, minimum))}, "
            "the oldest the specification runs on: upgrade it, or name another server"
        )
    if facts.innodb not in ("YES", "DEFAULT"):
        return (
            f"{facts.product} {facts.version} at {at} has no InnoDB (support: {facts.innodb or 'absent'}), whose "
            "transactions, savepoints and foreign keys the specification describes: enable InnoDB, or name another "
            "server"
        )
    return None


def greets_as_mysql(host: str, port: int, timeout: float = 1.0) -> bool | None:
    """Whether the server at ``host:port`` speaks first with a MySQL greeting (protocol 10, or an error packet), as
    MySQL and MariaDB do (PostgreSQL waits for its client); None when nothing can be said (no connection)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            try:
                greeting = connection.recv(5)
            except TimeoutError:
                return False  # silent: it waits for the client to speak, as PostgreSQL does
    except OSError:
        return None
    return len(greeting) == 5 and greeting[3] == 0 and greeting[4] in (10, 0xFF)  # a greeting, or a refusal packet
