"""Server threads for in-process requests: threads that stay alive after serving, and a thread for one request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


class IdleServerThreads:
    """Threads that each serve one request and then stay alive, idle, as a server's thread pool keeps them."""

    def __init__(self) -> None:
        self._release = threading.Event()
        self._threads: list[threading.Thread] = []

    def serve_then_idle(self, count: int, serve: Callable[[], object]) -> None:
        """Start ``count`` threads that each call ``serve``; return once all have served, raise what they raised."""
        served = threading.Barrier(count + 1)
        failures: list[Exception] = []

        def serve_and_stay():
            try:
                serve()
            except Exception as error:
                failures.append(error)
            served.wait()
            self._release.wait()

        for _ in range(count):
            self._threads.append(threading.Thread(target=serve_and_stay, daemon=True))
            self._threads[-1].start()
        served.wait(30)
        if failures:
            raise failures[0]

    def release(self) -> None:
        self._release.set()
        for thread in self._threads:
            thread.join(10)


def on_a_new_thread(work: Callable[[], Result]) -> Result:
    """Run ``work`` on a thread of its own, which ends afterwards; its result, or its error raised here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result(timeout=30)
