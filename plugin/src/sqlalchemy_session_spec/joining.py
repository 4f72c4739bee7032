"""How a Session joins a connection whose transaction the test owns, per SQLAlchemy line.

SQLAlchemy 2.0 and later: ``join_transaction_mode="create_savepoint"``. Every transaction the code under test
begins, commits or rolls back is a SAVEPOINT inside the test's transaction, so its commits and rollbacks work as in
production and the test's rollback undoes all of it. The default, "conditional_savepoint", lets a rollback by the
code under test end the test's transaction itself.

SQLAlchemy 1.4 has no join modes; its recipe is connection-level: a SAVEPOINT begun on the connection, and begun
again whenever a Session's transaction ends.
"""

from __future__ import annotations

import contextlib

import sqlalchemy
from sqlalchemy import event

JOIN_MODE = "create_savepoint"
HAS_JOIN_MODES = not sqlalchemy.__version__.startswith("1.")


def join_options() -> dict:
    """The Session options that keep the test's transaction whatever the code under test does with its own."""
    return {"join_transaction_mode": JOIN_MODE} if HAS_JOIN_MODES else {}


class SavepointRestarter:
    """SQLAlchemy 1.4's recipe: one SAVEPOINT kept open on a sync connection for the Sessions listening to it."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.savepoint = connection.begin_nested()
        self.stopped = False  # set when the test's layer ends: a listener left behind does nothing

    def listen(self, target) -> None:
        """Begin the SAVEPOINT again whenever a transaction of ``target`` (a Session or a Session class) ends."""
        event.listen(target, "after_transaction_end", self.restart)

    def unlisten(self, target) -> None:
        with contextlib.suppress(KeyError):  # SQLAlchemy 1.4 may not find a bound method's registration
            event.remove(target, "after_transaction_end", self.restart)

    def restart(self, session, transaction) -> None:
        if not self.stopped and not self.savepoint.is_active:
            self.savepoint = self.connection.begin_nested()


def restart_savepoint_on(connection, target) -> None:
    """The 1.4 recipe for one Session (or Session class) on one sync connection."""
    SavepointRestarter(connection).listen(target)
