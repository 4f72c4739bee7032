"""Several HTTP clients at once, each updating and then reading its own employee: how many reads were stale."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from support.apps.servers import RunningServer


@dataclass(frozen=True)
class PairsOutcome:
    pairs: int
    stale_reads: int
    server_threads_seen: int


def update_then_read_pairs(server: RunningServer, employee_ids: list[int], rounds: int) -> PairsOutcome:
    """Client i updates employee_ids[i] to a new email and reads it back, ``rounds`` times, all clients at once.

    A read is stale when it does not show the email its own client's update committed just before.
    """
    stale = []
    threads_seen: set[int] = set()
    failures: list[BaseException] = []
    start = threading.Barrier(len(employee_ids))

    def client(employee_id: int) -> None:
        try:
            with server.client() as http:
                start.wait(30)
                for round_number in range(rounds):
                    email = f"employee{employee_id}.round{round_number}@corp.example"
                    http.put(f"/employees/{employee_id}", json={"email": email}).raise_for_status()
                    answer = http.get(f"/employees/{employee_id}").raise_for_status().json()
                    threads_seen.add(answer["thread"])
                    if answer["email"] != email:
                        stale.append((employee_id, round_number))
        except BaseException as error:  # reported below, never lost with its thread
            failures.append(error)

    workers = [threading.Thread(target=client, args=(n,)) for n in employee_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    if failures:
        raise failures[0]
    return PairsOutcome(len(employee_ids) * rounds, len(stale), len(threads_seen))
