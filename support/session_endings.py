"""How a Session's work ends: close() or reset() (2.0.22 and later), on a Session made with the options named."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from support.models import Employee


def _reset(session: Session) -> None:
    session.reset()  # AttributeError before 2.0.22: Session has no reset()


ENDINGS = {"closed": Session.close, "reset": _reset}

# the Session options a feature names, as keyword arguments (TypeError where the running Session lacks them)
OPTIONS = {
    "close_resets_only=False": {"close_resets_only": False},
    "autobegin=False": {"autobegin": False},
}


@dataclass(frozen=True)
class EndingSession:
    """A request's session and the employee it read, kept to see what ending the session did to it."""

    session: Session
    employee: Employee
