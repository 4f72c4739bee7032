"""Tests that roll back whatever the code under test commits: SQLAlchemy sessions joined to the test's transaction.

The pytest fixtures come with the plugin (entry point ``sqlalchemy_session_spec``); these are the plain context
managers, for use outside pytest.
"""

from sqlalchemy_session_spec.rolled_back import rolled_back_async_session, rolled_back_session

__version__ = "0.1.0"
__all__ = ["rolled_back_async_session", "rolled_back_session"]
