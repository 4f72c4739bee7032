"""The Cucumber Messages (NDJSON) of each SQLAlchemy line validate against the official schema, and say what the
run said.

The specification's cascade chapter (tagged ``<2.0`` and ``>=2.0``, and ``<2.1`` / ``>=2.1`` for autoflush) runs for
real on 1.4, 2.0 and 2.1, each in a fresh environment of its line, on a real server, writing its results; each
line's NDJSON is then checked envelope by envelope against the official schema (bundled in tests/schemas/), read
back with the official Python classes (cucumber-messages), and compared with the results it was made from.
"""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cucumber_messages import Envelope, message_converter
from jsonschema.validators import validator_for

from support.evidence import Results
from tests.helpers.take_home import uv

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "cucumber-messages-34.2.0.schema.json").read_text())
LINES = ("1.4", "2.0", "2.1")
VALIDATOR = validator_for(SCHEMA)(SCHEMA)


def line_python(directory: Path, line: str) -> Path:
    """A fresh environment with the project on SQLAlchemy ``line``, installed as noxfile.py installs it."""
    uv("venv", "--quiet", "--python", sys.executable, directory)
    python = directory / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", python, "-c", ROOT / "constraints.txt", "-e", f"{ROOT}[dev]",
       "-e", ROOT / "plugin", "-e", ROOT / "lint", f"sqlalchemy[asyncio]=={line}.*")  # fmt: skip
    return python


@pytest.fixture(scope="module")
def ndjson_per_line(tmp_path_factory, spec_server) -> dict[str, tuple[Results, list[dict]]]:
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    found = {}
    for line in LINES:
        directory = tmp_path_factory.mktemp(f"line-{line}")
        results = directory / f"sqlalchemy-{line}.json"
        subprocess.run(
            [line_python(directory / "venv", line), "-m", "pytest", "steps/test_cascades.py", "-q", "-p", "no:randomly",
             f"--spec-results={results}", f"--spec-messages={results.with_suffix('.ndjson')}", "--db=url",
             f"--db-url={admin_url}"],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        written = results.with_suffix(".ndjson")
        assert written.is_file(), f"the run on {line} wrote no {written.name}"
        found[line] = (Results.read(results), [json.loads(text) for text in written.read_text().splitlines()])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("line", LINES)
def test_every_envelope_is_valid_against_the_official_schema(ndjson_per_line, line):
    results, envelopes = ndjson_per_line[line]
    assert results.run.sqlalchemy.startswith(f"{line}."), results.run.sqlalchemy
    invalid = [f"{next(iter(e))}: {error.message}" for e in envelopes for error in VALIDATOR.iter_errors(e)]
    assert not invalid, invalid[:5]
    for envelope in envelopes:
        assert isinstance(message_converter.from_dict(envelope, Envelope), Envelope)


@pytest.mark.slow
@pytest.mark.parametrize("line", LINES)
def test_the_messages_say_what_the_run_said(ndjson_per_line, line):
    results, envelopes = ndjson_per_line[line]
    kinds = Counter(next(iter(envelope)) for envelope in envelopes)
    assert kinds["meta"] == kinds["testRunStarted"] == kinds["testRunFinished"] == 1
    assert kinds["testCase"] == kinds["testCaseFinished"] == len(results.scenarios), kinds
    pickles = {e["pickle"]["id"]: e["pickle"]["name"] for e in envelopes if "pickle" in e}
    step_results = {}
    for envelope in envelopes:
        if "testStepFinished" in envelope:
            started = envelope["testStepFinished"]["testCaseStartedId"]
            step_results.setdefault(started, []).append(envelope["testStepFinished"]["testStepResult"]["status"])
    case_names = {e["testCase"]["id"]: pickles[e["testCase"]["pickleId"]] for e in envelopes if "testCase" in e}
    started = {
        e["testCaseStarted"]["id"]: e["testCaseStarted"]["testCaseId"] for e in envelopes if "testCaseStarted" in e
    }
    outcome = {case_names[started[id_]]: statuses for id_, statuses in step_results.items()}
    backref = "Since 2.0, linking leaves the person outside the session"
    expected = {"1.4": "SKIPPED", "2.0": "PASSED", "2.1": "PASSED"}[line]  # not applicable before 2.0
    assert set(outcome[backref]) == {expected}, outcome[backref]
    autoflush = "Before 2.1, a textual query does not see the pending user"
    assert set(outcome[autoflush]) == {"SKIPPED" if line == "2.1" else "PASSED"}, outcome[autoflush]
    assert envelopes[-1]["testRunFinished"]["success"] is True


def test_a_broken_envelope_is_refused_by_the_schema():
    """The validation can fail: an unknown field, and a step result without its status, are refused."""
    assert list(VALIDATOR.iter_errors({"testRunStarted": {"timestamp": {"seconds": 0, "nanos": 0}, "extra": 1}}))
    result = {"duration": {"seconds": 0, "nanos": 0}}
    step = {"testCaseStartedId": "1", "testStepId": "2", "testStepResult": result, "timestamp": result["duration"]}
    assert list(VALIDATOR.iter_errors({"testStepFinished": step}))
    assert not list(
        VALIDATOR.iter_errors({"testStepFinished": step | {"testStepResult": result | {"status": "PASSED"}}})
    )


@pytest.mark.slow
def test_a_scenario_not_applicable_is_skipped_with_its_reason(ndjson_per_line):
    """On 1.4 the first step of a scenario tagged @sqlalchemy:>=2.0 carries the version reason."""
    _, envelopes = ndjson_per_line["1.4"]
    skipped = [e["testStepFinished"]["testStepResult"] for e in envelopes if "testStepFinished" in e]
    reasons = [result["message"] for result in skipped if "message" in result]
    assert "not applicable: describes SQLAlchemy >=2.0, this run has 1.4." in " ".join(reasons), reasons[:3]


@pytest.mark.slow
@pytest.mark.parametrize("line", LINES)
def test_every_step_that_ran_names_the_definition_that_ran_it(ndjson_per_line, line):
    """Each test step of a scenario that ran names one step definition, whose pattern matches the step's text and
    whose source reference is its decorator's line (the pattern, as written) in a step module."""
    _, envelopes = ndjson_per_line[line]
    definitions = {e["stepDefinition"]["id"]: e["stepDefinition"] for e in envelopes if "stepDefinition" in e}
    texts = {step["id"]: step["text"] for e in envelopes if "pickle" in e for step in e["pickle"]["steps"]}
    ran = {e["testStepFinished"]["testStepId"] for e in envelopes if "testStepFinished" in e
           if e["testStepFinished"]["testStepResult"]["status"] == "PASSED"}  # fmt: skip
    steps = [step for e in envelopes if "testCase" in e for step in e["testCase"]["testSteps"] if step["id"] in ran]
    assert steps
    for step in steps:
        (definition_id,) = step["stepDefinitionIds"]
        definition = definitions[definition_id]
        assert re.search(definition["pattern"]["source"], texts[step["pickleStepId"]], re.I), (step, definition)
        source = ROOT / definition["sourceReference"]["uri"]
        assert source.parent.name == "steps", definition
        decorator = source.read_text().splitlines()[definition["sourceReference"]["location"]["line"] - 1]
        assert decorator.startswith(("@given(", "@when(", "@then(", "@step(")), (decorator, definition)
