"""What a database says when a constraint refuses a statement, in each database's own words."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def not_null_message(error: IntegrityError, table: str, column: str) -> str:
    """The words the database that raised ``error`` uses for a NULL in ``table.column``."""
    driver = type(error.orig).__module__.partition(".")[0]
    if driver in ("sqlite3", "aiosqlite"):
        return f"NOT NULL constraint failed: {table}.{column}"
    if driver in ("pymysql", "aiomysql"):
        return f"Column '{column}' cannot be null"
    return f'null value in column "{column}" of relation "{table}" violates not-null constraint'
