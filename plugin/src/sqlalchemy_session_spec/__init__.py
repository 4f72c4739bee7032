"""Tests that roll back whatever the code under test commits: SQLAlchemy sessions joined to the test's transaction.

The pytest fixtures come with the plugin (entry point ``sqlalchemy_session_spec``); these are the plain context
managers, for use outside pytest, and ``statements_sent``: the statements sent during a block, and the row check.
"""

from sqlalchemy_session_spec.rolled_back import rolled_back_async_session, rolled_back_session
from sqlalchemy_session_spec.statements import (
    Freshness,
    Statement,
    StatementsSent,
    holding_loaded_objects,
    statements_sent,
)

__version__ = "0.1.0"
__all__ = [
    "Freshness",
    "Statement",
    "StatementsSent",
    "holding_loaded_objects",
    "rolled_back_async_session",
    "rolled_back_session",
    "statements_sent",
]
