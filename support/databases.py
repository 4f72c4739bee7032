"""The database as a dimension: which databases the specification runs on, and database tags.

A run is on one database: PostgreSQL (the url, container and embedded providers), SQLite (``--db=sqlite``) or
MySQL/MariaDB (``--db=mariadb``, or a ``mysql+pymysql://`` URL). Its results file says which (``RunFacts.dialect``,
each ``ScenarioRecord.database``); the other databases' files sit beside the PostgreSQL ones:
``results/sqlalchemy-<line>-sqlite.json``, ``results/sqlalchemy-<line>-mysql.json``.

MySQL and MariaDB are one database here, named ``mysql`` as SQLAlchemy's dialect family is: one dialect (``mariadb``
is the ``mysql`` dialect told it talks to MariaDB), the same drivers, InnoDB and its REPEATABLE READ default; a run
names the server it ran on (``10.11.19-MariaDB``) in its facts.

Database tags say which database a scenario describes: ``@database:<name>``, where the name is one of ``NAMES``,
e.g. ``@database:postgresql`` for what only PostgreSQL has (pg_stat_activity, server timeouts, psycopg and asyncpg), or
several after one colon, ``@database:postgresql,sqlite`` for what all but MySQL/MariaDB do. The tags of a scenario,
its rule and its feature must together name at least one database (those all name); on another database the
scenario is reported as not applicable, with the reason, and never runs.
"""

from __future__ import annotations

TAG_PREFIX = "database:"
MARKER = "database"
# SQLAlchemy's dialect name -> how a reader names it
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL/MariaDB"}
DEFAULT = "postgresql"  # the database of results files that name none (written before the dimension)
# each database's default isolation level, named as SQLAlchemy's isolation_level takes it
DEFAULT_ISOLATION = {"postgresql": "READ COMMITTED", "sqlite": "SERIALIZABLE", "mysql": "REPEATABLE READ"}


def is_database_tag(tag: str) -> bool:
    """A tag meant as a database tag, well formed or not (``@database=sqlite`` is one)."""
    return tag.lower().startswith("database")


def parse_tag(tag: str) -> tuple[str, ...]:
    """The databases a tag names, one or several (``database:postgresql,sqlite``: all but MySQL/MariaDB); raises
    ValueError in one line naming the fix."""
    names = tuple(tag.removeprefix(TAG_PREFIX).split(",")) if tag.startswith(TAG_PREFIX) else (None,)
    if not all(name in NAMES for name in names) or len(set(names)) < len(names):
        known = ", ".join(f"@{TAG_PREFIX}{known}" for known in NAMES)
        colon = "" if tag.startswith(TAG_PREFIX) else " (a colon after database)"
        raise ValueError(
            f"database tag @{tag} is not valid: write one of {known}{colon}, or several named once each after one "
            f"colon (@{TAG_PREFIX}postgresql,sqlite)"
        )
    return names


def described_by(tags: list[str]) -> set[str]:
    """The databases tags (a scenario's, its rule's and its feature's) describe together: those all name."""
    described = set(NAMES)
    for tag in tags:
        described &= set(parse_tag(tag))
    return described


def no_database_reason(tags: list[str]) -> str | None:
    """Why database tags that together name no database are refused (the scenario would run nowhere)."""
    if described_by(tags):
        return None
    return (
        f"database tags {' and '.join(f'@{tag}' for tag in tags)} together describe no single database, so the "
        "scenario would run nowhere: keep the one it describes, or split it into a pair of scenarios, one per database"
    )


def not_applicable_reason(tag: str, running: str) -> str:
    """``tag`` (``database:postgresql,sqlite``) does not name the run's database."""
    from support.versions import NOT_APPLICABLE

    described = " and ".join(NAMES[name] for name in parse_tag(tag))
    return f"{NOT_APPLICABLE}: describes {described} (@{tag}), this run is on {NAMES[running]}"


def results_name(line: str, dialect: str) -> str:
    """A line's results file name: PostgreSQL's keep the name they always had."""
    return f"sqlalchemy-{line}.json" if dialect == DEFAULT else f"sqlalchemy-{line}-{dialect}.json"
