"""The whole specification gives the same statuses in any order and split across workers.

Every scenario starts from an empty database (the ``database`` fixture), so no scenario may rely on rows,
sessions or servers another one left: these runs would show it as a status that differs from the serial run.
Each run is a real pytest process with its own embedded PostgreSQL.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.child_runs import made_once_for_all_workers, run, statuses

pytestmark = pytest.mark.reliability

SEEDS = range(1, 21)  # 20 random orders
SIDE_BY_SIDE = 3  # random-order runs at once: one keeps a core half busy; 3 beat 2 (benchmarks/README.md)


def spec_run(results, *options: str):
    """The whole specification in a child pytest, its results written to ``results``."""
    completed = run("steps", f"--spec-results={results}", "-v", *options)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> tuple[dict[str, str], list[str]]:
    """Statuses of a serial run in file order, and that order: one run, whichever worker runs these tests."""
    results = made_once_for_all_workers(
        tmp_path_factory, "serial-results.json", lambda made: spec_run(made, "-p", "no:randomly")
    )
    found = statuses(results)
    assert "passed" in found.values()
    assert "failed" not in found.values()
    return found, list(found)


def test_twenty_random_orders_give_the_serial_statuses(serial, tmp_path):
    serial_statuses, serial_order = serial

    def seeded(seed: int) -> tuple[int, dict[str, str], str]:
        results = tmp_path / f"seed-{seed}.json"
        completed = spec_run(results, "-p", "randomly", f"--randomly-seed={seed}")
        return seed, statuses(results), completed.stdout

    with ThreadPoolExecutor(SIDE_BY_SIDE) as pool:
        outcomes = list(pool.map(seeded, SEEDS))
    orders = set()
    for seed, found, output in outcomes:
        assert f"--randomly-seed={seed}" in output
        assert found.keys() == serial_statuses.keys(), f"seed {seed} ran other scenarios"
        differing = {node: (serial_statuses[node], status) for node, status in found.items()}
        differing = {node: pair for node, pair in differing.items() if pair[0] != pair[1]}
        assert not differing, f"seed {seed}: (serial, this order) {differing}"
        executed = ran_in_order(output)
        assert executed != [node for node in serial_order if node in executed], f"seed {seed} kept file order"
        orders.add(tuple(executed))
    assert len(orders) == len(SEEDS)  # every seed gave an order of its own


@pytest.mark.parametrize("workers", [2, 4])
def test_runs_split_across_workers_give_the_serial_statuses(serial, tmp_path, workers):
    serial_statuses, _ = serial
    results = tmp_path / "results.json"
    completed = spec_run(results, "-p", "no:randomly", "-n", str(workers))
    assert statuses(results) == serial_statuses
    used = set(re.findall(r"\[(gw\d+)\]", completed.stdout))
    assert len(used) == workers, f"only {sorted(used)} ran scenarios"


def ran_in_order(output: str) -> list[str]:
    """Node ids in the order a verbose run reported them."""
    return re.findall(r"^(steps/\S.*?) (?:PASSED|SKIPPED|FAILED|ERROR)", output, re.MULTILINE)
