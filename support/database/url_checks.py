"""What the url provider does alike for every server it is given: a check bounded in time, the URL's port and
parameters refused in one line, a failed check told in one line with no password, and the sweep at its start."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from support import scratch, secrets

from .own_database import dialect_of, sweep_abandoned_databases
from .server import ProviderUnavailable

T = TypeVar("T")


def within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s result or exception, or TimeoutError after ``seconds``.

    A driver's connect timeout applies per address and not at all once logged in; this bounds the whole
    check. Work still running is left to finish in its daemon thread, which closes what it opened.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=run, name="url-provider-check", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def refuse_unusable_port_or_parameter(url: URL, understood: Collection[str], unusable: str, give_one: str) -> None:
    """A port out of range, or a URL parameter not ``understood`` (``unusable`` says why it cannot be used)."""
    if url.port is not None and not 0 < url.port < 65536:
        raise ProviderUnavailable(f"the database URL's port {url.port} is out of range: {give_one}")
    unknown = sorted(set(url.query) - set(understood))
    if unknown:
        raise ProviderUnavailable(
            f"the database URL's parameter {unknown[0]!r} {unusable}: remove it "
            f"({', '.join(sorted(understood))} are understood)"
        )


def checked(url_text: str, at: str, timeout: float, check: Callable[[], T], refusal: Callable[[Exception], str]) -> T:
    """``check()``'s answer from the server at ``at`` within ``timeout`` seconds; ProviderUnavailable otherwise, in
    one line naming the fix (``refusal`` of the error), the URL's password masked."""
    try:
        return within(timeout, check)
    except TimeoutError:
        raise ProviderUnavailable(f"no answer from {at} within {timeout:g} s: check host and port in the URL") from None
    except Exception as error:  # DBAPIError mostly; anything else means it did not answer as that server does
        secrets.add_from_url(url_text)  # should a server or driver ever echo the password
        raise ProviderUnavailable(secrets.mask(refusal(error))) from None


def swept(admin_url: URL) -> tuple[str, ...]:
    """Drop the databases that killed runs of this host left on the server; their names."""
    admin = dialect_of(admin_url).engine(admin_url)
    try:
        return tuple(sweep_abandoned_databases(admin, scratch.pending_databases()))
    except DBAPIError:  # the run can go on without its sweep; the next one tries again
        return ()
    finally:
        admin.dispose()
