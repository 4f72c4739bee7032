"""Cucumber Messages (NDJSON) of one line's run, for the official Cucumber tools (the HTML formatter and others).

    pytest steps --spec-messages=messages/sqlalchemy-<line>.ndjson     (what noxfile.py's spec sessions pass)
    python -m support.report.messages [--results DIR] [--out DIR]     (again, from the results files)

``messages/``, beside ``results/``, holds one NDJSON file per line. The sources, Gherkin documents and pickles
are the official Gherkin parser's (gherkin-official, which pytest-bdd parses with); the test cases, their steps and
results come from our records, so a scenario not applicable to the line is there too, its steps skipped with the
reason. A scenario that runs once per flavour (sync, async) is two test cases of one pickle. Each step definition
a record names (the one that ran the step) is a stepDefinition, its parser as a regular expression; a step that did
not run names the one definition of its type that matches its text, if exactly one does, as pytest-bdd would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from gherkin.ast_builder import AstBuilder
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from gherkin.stream.id_generator import IdGenerator

from support.evidence import Results, ScenarioRecord, StepDefinition

ROOT = Path(__file__).resolve().parent.parent.parent
FEATURES = ROOT / "features"
PROTOCOL_VERSION = "34.2.0"  # the cucumber-messages schema these envelopes follow (constraints.txt pins it)
STEP_STATUS = {"passed": "PASSED", "failed": "FAILED", "undefined": "UNDEFINED", "running": "FAILED"}  # else SKIPPED


def _clean(value):
    """The parser's output without the keys it leaves as None (the schema allows absent, not null)."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _timestamp(seconds: float) -> dict:
    return {"seconds": int(seconds), "nanos": int((seconds % 1) * 1e9)}


def _duration(seconds: float | None) -> dict:
    return _timestamp(max(seconds or 0.0, 0.0))


class _Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.next = prefix, 0

    def __call__(self) -> str:
        self.next += 1
        return f"{self.prefix}{self.next}"


def _documents(files: list[str], features: Path) -> tuple[list[dict], dict]:
    """The source, Gherkin document and pickles of each feature file, and the pickles by (file, line, example)."""
    ids = IdGenerator()
    parser, compiler = Parser(ast_builder=AstBuilder(ids)), Compiler(ids)
    envelopes, pickles = [], {}
    for file in files:
        uri = f"features/{file}"
        if not (features / file).is_file():  # gone since the run: its records are left out
            continue
        data = (features / file).read_text(encoding="utf-8-sig")
        document = _clean({**parser.parse(data), "uri": uri})
        envelopes += [
            {"source": {"uri": uri, "data": data, "mediaType": "text/x.cucumber.gherkin+plain"}},
            {"gherkinDocument": document},
        ]
        lines, rows = _ast_index(document)
        for pickle in compiler.compile(document):
            pickle = _clean(pickle)
            envelopes.append({"pickle": pickle})
            scenario, *row = pickle["astNodeIds"]
            pickles[(file, lines[scenario], rows[row[0]] if row else None)] = pickle
    return envelopes, pickles


def _ast_index(document: dict) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Scenario node id -> its line; Examples row id -> its cells' values."""
    lines, rows = {}, {}
    children = list(document.get("feature", {}).get("children", []))
    while children:
        child = children.pop()
        children += child.get("rule", {}).get("children", [])
        scenario = child.get("scenario")
        if scenario:
            lines[scenario["id"]] = scenario["location"]["line"]
            for examples in scenario.get("examples", []):
                for row in examples.get("tableBody", []):
                    rows[row["id"]] = tuple(cell["value"] for cell in row["cells"])
    return lines, rows


def _pickle_key(record: ScenarioRecord) -> tuple:
    example = tuple(str(value) for value in record.example.values()) if record.example is not None else None
    return (record.feature.file, record.scenario.line, example)


def envelopes(results: Results, features: Path = FEATURES) -> Iterator[dict]:
    records = sorted((r for r in results.scenarios if r.feature), key=lambda r: (r.feature.file, r.collected_at or 0))
    run = results.run
    started = run.started or 0.0
    yield {
        "meta": {
            "protocolVersion": PROTOCOL_VERSION,
            "implementation": {"name": "sqlalchemy-session-spec (pytest-bdd)", "version": version("pytest-bdd")},
            "runtime": {"name": "python", "version": run.python},
            "os": {"name": platform.system().lower()},
            "cpu": {"name": platform.machine() or "unknown"},
        }
    }
    documents, pickles = _documents(sorted({record.feature.file for record in records}), features)
    yield from documents
    definitions = _definition_ids(records)
    yield from ({"stepDefinition": _step_definition(definition, id)} for definition, id in definitions.items())
    run_id, case_ids, step_ids, started_ids = "run", _Ids("case-"), _Ids("step-"), _Ids("started-")
    yield {"testRunStarted": {"timestamp": _timestamp(started), "id": run_id}}
    cases = []
    for record in records:
        pickle = pickles.get(_pickle_key(record))
        if pickle is None:  # the feature changed since the run: its record no longer names a scenario
            continue
        ran = _step_definitions(record, len(pickle["steps"]), definitions)
        steps = [
            {"id": step_ids(), "pickleStepId": step["id"]} | _match(step["text"], definition, definitions)
            for step, definition in zip(pickle["steps"], ran, strict=True)
        ]
        case = {"id": case_ids(), "pickleId": pickle["id"], "testSteps": steps, "testRunStartedId": run_id}
        cases.append((case, record))
        yield {"testCase": case}
    clock = started
    for case, record in cases:
        started_id = started_ids()
        yield {"testCaseStarted": {"attempt": 0, "id": started_id, "testCaseId": case["id"],
                                   "timestamp": _timestamp(clock)}}  # fmt: skip
        for step, result in zip(case["testSteps"], step_results(record, len(case["testSteps"])), strict=True):
            yield {"testStepStarted": {"testCaseStartedId": started_id, "testStepId": step["id"],
                                       "timestamp": _timestamp(clock)}}  # fmt: skip
            clock += result.pop("seconds")
            yield {"testStepFinished": {"testCaseStartedId": started_id, "testStepId": step["id"],
                                        "testStepResult": result, "timestamp": _timestamp(clock)}}  # fmt: skip
        yield {"testCaseFinished": {"testCaseStartedId": started_id, "timestamp": _timestamp(clock),
                                    "willBeRetried": False}}  # fmt: skip
    success = all(record.status not in ("failed", "collection_error") for record in records)
    yield {"testRunFinished": {"success": success, "timestamp": _timestamp(max(clock, run.finished or clock)),
                               "testRunStartedId": run_id}}  # fmt: skip


def _definition_ids(records: list[ScenarioRecord]) -> dict[StepDefinition, str]:
    ids = _Ids("definition-")
    found = dict.fromkeys(step.definition for record in records for step in record.steps if step.definition)
    return {definition: ids() for definition in found}


def _step_definition(definition: StepDefinition, id: str) -> dict:
    return {"id": id, "pattern": {"source": definition.pattern, "type": "REGULAR_EXPRESSION"},
            "sourceReference": {"uri": definition.file, "location": {"line": definition.line}}}  # fmt: skip


def _step_definitions(record: ScenarioRecord, count: int, known: dict) -> list[StepDefinition | None]:
    """The definition of each pickle step: the one that ran it, or the one known definition its text matches."""
    found = []
    for index in range(count):
        step = record.steps[index] if index < len(record.steps) else None
        if step is None or step.definition is not None:
            found.append(step.definition if step else None)
            continue
        matching = [d for d in known if d.type in (step.type, None) and re.search(d.pattern, step.text, re.I)]
        found.append(matching[0] if len(matching) == 1 else None)
    return found


def _match(text: str, definition: StepDefinition | None, ids: dict[StepDefinition, str]) -> dict:
    """A test step's definition and the arguments its pattern's groups took from the step's text."""
    matched = re.search(definition.pattern, text, re.I) if definition else None  # pytest-bdd's parse ignores case
    if matched is None:
        return {"stepDefinitionIds": [], "stepMatchArgumentsLists": []}
    arguments = [{"group": {"start": matched.start(group), "value": value, "children": []}}
                 for group, value in enumerate(matched.groups(), start=1) if value is not None]  # fmt: skip
    return {"stepDefinitionIds": [ids[definition]], "stepMatchArgumentsLists": [{"stepMatchArguments": arguments}]}


def step_results(record: ScenarioRecord, count: int) -> list[dict]:
    """Each pickle step's result (with its seconds, taken out before it is written) from the record's steps."""
    ran = record.status in ("passed", "failed")
    results = []
    for index in range(count):
        step = record.steps[index] if index < len(record.steps) else None
        status = STEP_STATUS.get(step.status, "SKIPPED") if ran and step else "SKIPPED"
        message = step.error if step and step.error else None
        if index == 0 and not ran:
            message = record.reason or record.error  # not applicable, skipped, or refused: why
            status = "FAILED" if record.status == "collection_error" else status
        result = {"seconds": (step.duration or 0.0) if step and ran else 0.0,
                  "duration": _duration(step.duration if step and ran else 0.0), "status": status}  # fmt: skip
        if message:
            result["message"] = message
            if status == "FAILED":
                kind = message.split(":", 1)[0] if ":" in message.splitlines()[0] else "Error"
                result["exception"] = {"type": kind.strip() or "Error", "message": message}
        results.append(result)
    if record.status == "failed" and not any(result["status"] == "FAILED" for result in results) and results:
        results[-1] |= {"status": "FAILED", "message": record.error or "failed"}  # it failed outside a step
    return results


def write(results: Results, target: Path, features: Path = FEATURES) -> Path:
    """The run's envelopes to ``target``, one a line: whole or not at all (written beside, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    beside = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        beside.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in envelopes(results, features)))
        os.replace(beside, target)
    finally:
        beside.unlink(missing_ok=True)
    return target


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m support.report.messages", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results", help="directory of sqlalchemy-*.json")
    parser.add_argument("--out", type=Path, default=ROOT / "messages", help="where to write sqlalchemy-*.ndjson")
    options = parser.parse_args(arguments)
    files = sorted(options.results.glob("sqlalchemy-*.json"))
    if not files:
        raise SystemExit(f"no results in {options.results}: run the specification first (python3 dev.py spec)")
    for path in files:
        written = write(Results.read(path), options.out / path.with_suffix(".ndjson").name)
        print(f"cucumber messages: {written}")


if __name__ == "__main__":
    main()
