"""How the tests judge a refusal and the processes behind it: one line with no password in it, a start refused off
the main thread, an owner that has ended."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import psutil
import pytest

from tests.helpers.from_support import Owner, this_host


def one_line(error: pytest.ExceptionInfo, hidden: str | None = None) -> str:
    """The refusal's message, asserted to be one line (and, given ``hidden``, not to show it)."""
    message = str(error.value)
    assert "\n" not in message
    assert hidden is None or hidden not in message
    return message


def refusals_off_the_main_thread(serve: Callable[[], AbstractContextManager], refused: type[Exception]) -> list[str]:
    """The messages of ``refused`` that ``serve()`` raised when entered from a thread other than the main one."""
    refusals = []

    def start() -> None:
        try:
            with serve():
                pass
        except refused as error:
            refusals.append(str(error))

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    return refusals


def a_dead_owner() -> Owner:
    """The owner mark's view of a process of this host that has ended."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(ended.pid).create_time()
    ended.wait()
    return Owner(this_host(), ended.pid, started)
