"""The terminal reporter of ``python3 dev.py spec`` (``--spec-reporter=spec``): the specification as it reads.

A copy of the features with one outline row flipped runs on a real server: the feature's header, rules and
Background are printed once, the outline as its Examples tables with a status per row, the flipped row's failure
with its step, error and SQL, and a summary per feature; pytest-bdd's and pytest's own reporters stay available.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.flips import ROOT, Flip, apply_flip

FEATURE = "when_a_read_is_stale"
OUTLINE = "A column query on a stale session"
FLIP = Flip(FEATURE, OUTLINE, "| READ COMMITTED | new@corp.example |", "| REPEATABLE READ | new@corp.example |")
SELECTION = "on_a_stale_session"  # the column outline and "An entity query on a stale session"


def spec_run(tmp_path: Path, spec_server, *options: str, flips: tuple[Flip, ...] = ()) -> str:
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    path = features / "request_boundary" / f"{FEATURE}.feature"
    lines = path.read_text().splitlines(keepends=True)
    for flip in flips:
        apply_flip(lines, flip)
    path.write_text("".join(lines))
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "steps/test_request_boundary.py", "-k", SELECTION, "-p", "no:randomly",
         "-o", f"bdd_features_base_dir={features}", "--db=url", f"--db-url={admin_url}", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return finished.stdout


def test_the_spec_reporter_prints_the_specification_as_it_reads(tmp_path, spec_server):
    output = spec_run(tmp_path, spec_server, "--spec-reporter=spec", flips=(FLIP,))
    lines = output.splitlines()
    assert lines.count("Feature: When a read through a session that outlived its request is stale") == 1, output
    assert sum(line.strip() == "Background:" for line in lines) == 1, output
    rule = "  Rule: A SELECT of a column returns the row, so it is as fresh as the transaction's snapshot"
    assert lines.count(rule) == 1, output
    assert sum(line.strip() == f"Scenario Outline: {OUTLINE}" for line in lines) == 1, output
    table = [line.strip() for line in lines if line.strip().startswith("| ")]
    # the outline's placeholders, as written, and a column per sync driver (the feature runs on every one)
    assert "| isolation       | email            | psycopg2 | psycopg |" in table, output
    assert "| REPEATABLE READ | new@corp.example | FAILED   | FAILED  |" in table, output  # the flipped row
    assert "| REPEATABLE READ | old@corp.example | passed   | passed  |" in table, output
    assert any("Scenario: An entity query on a stale session  passed" in line for line in lines), output
    failure = lines.index(next(line for line in lines if line.strip().startswith("Example | REPEATABLE READ")))
    block = "\n".join(lines[failure : failure + 20])
    assert "Then the email read is new@corp.example" in block, block  # the failed step, filled in
    assert "SQL SELECT" in block, block  # what the steps sent
    assert "AssertionError" in block or "Error" in block, block
    assert "pytest_bdd/scenario.py" not in output, output
    summary = lines[lines.index(next(line for line in lines if "per feature" in line)) :]
    counts = next(line for line in summary if line.endswith(f"request_boundary/{FEATURE}.feature"))
    assert counts.split()[:2] == ["4", "2"], output  # passed, FAILED: the flipped row on psycopg2 and on psycopg


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        ("--spec-reporter=gherkin", "Feature: When a read through a session that outlived its request is stale"),
        ("--spec-reporter=pytest", "steps/test_request_boundary.py "),
    ],
)
def test_the_default_reporters_stay_available(tmp_path, spec_server, option, shown):
    output = spec_run(tmp_path, spec_server, option)
    assert shown in output, output
    assert "per feature" not in output, output
    if option == "--spec-reporter=gherkin":  # pytest-bdd's repeats the feature for every scenario
        assert output.count(shown) > 1, output
