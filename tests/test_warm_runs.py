"""Warm child runs (``support.warm_runs``): forked by a launcher that imported their modules once, each run's exit
code and output are its own, however fast it ends, and one that runs over its time is killed without the next run
getting its answer."""

from pathlib import Path

import pytest

from support import warm_runs


def test_runs_that_end_at_once_keep_their_exit_codes_and_output_in_step(tmp_path: Path):
    (tmp_path / "clean.py").write_text("x = 1\n")
    (tmp_path / "unused.py").write_text("import os\n")
    for index in range(20):  # a warm flake8 on one line ends within milliseconds of its fork
        name = "unused.py" if index % 2 else "clean.py"
        run = warm_runs.run_module("flake8", ["--isolated", "--select=F401", name], tmp_path, 60, errors_apart=True)
        assert (run.exit_code, "F401" in run.output) == ((1, True) if index % 2 else (0, False)), (index, run)


def test_a_run_over_its_time_is_killed_and_the_next_run_gets_its_own_answer(tmp_path: Path):
    (tmp_path / "sleeper.py").write_text("import time\ntime.sleep(60)\n")
    (tmp_path / "exits_three.py").write_text("raise SystemExit(3)\n")
    with pytest.raises(TimeoutError, match="sleeper ran over 1 s and was killed"):
        warm_runs.run_module("sleeper", [], tmp_path, 1)
    assert warm_runs.run_module("exits_three", [], tmp_path, 60).exit_code == 3


def test_a_run_has_exactly_the_environment_and_directory_it_was_given(tmp_path: Path):
    (tmp_path / "shows.py").write_text("import os\nprint(os.getcwd(), sorted(os.environ))\n")
    run = warm_runs.run_module("shows", [], tmp_path, 60, environment={"ONLY_THIS": "1"})
    assert run.output.split(" ", 1) == [str(tmp_path), "['ONLY_THIS']\n"]
