"""Runs of the whole specification in a row leave nothing behind (the 50-run soak is
benchmarks/bench_soak.py; this is its short form, kept in the test run)."""

import pytest

from tests.helpers.child_runs import TAKES_TURNS
from tests.helpers.workspaces import enterable_workspace, soak

pytestmark = [pytest.mark.reliability, TAKES_TURNS]

RUNS = 5


def test_runs_in_a_row_leave_no_files_processes_shared_memory_or_databases():
    with enterable_workspace() as workspace:
        for number, finished in enumerate(soak(RUNS, workspace), start=1):
            assert finished.returncode == 0, f"run {number} failed:\n{finished.output_tail}"
            assert not finished.growth, f"after run {number}: {finished.growth}"
