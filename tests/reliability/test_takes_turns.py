"""The tests that take turns (``child_runs.TAKES_TURNS``) run on one worker, one after another, under this
session's ``--dist loadgroup``: a real pytest-xdist run of a small project with the reliability session's plugins."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.helpers.child_runs import ROOT, run

pytestmark = pytest.mark.reliability

PROJECT = textwrap.dedent("""
    import time

    import pytest

    TAKES_TURNS = pytest.mark.xdist_group("takes-turns")


    @TAKES_TURNS
    @pytest.mark.parametrize("n", range(6))
    def test_taking_turns(n):
        time.sleep(0.2)


    @pytest.mark.parametrize("n", range(6))
    def test_free(n):
        time.sleep(0.2)
""")


def test_tests_of_one_group_run_on_one_worker_and_the_others_spread(tmp_path: Path):
    (tmp_path / "test_groups.py").write_text(PROJECT)
    completed = run(
        "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "tests.helpers.worker_groups", "-n", "3",
        "--dist", "loadgroup", "-v", "--rootdir", tmp_path, "-c", "/dev/null", tmp_path / "test_groups.py",
        env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:]
    ran_on = {name: set() for name in ("test_taking_turns", "test_free")}
    for worker, name in re.findall(r"\[(gw\d)\].*PASSED \S*::(test_\w+)\[", completed.stdout):
        ran_on[name].add(worker)
    assert len(ran_on["test_taking_turns"]) == 1, completed.stdout
    assert len(ran_on["test_free"]) > 1, completed.stdout
