"""Cucumber-compatible JSON from our results, for tools that read it (reporters, dashboards).

Built from the collector's records, so nothing is dropped: a scenario not applicable to the line, or skipped,
is reported with skipped steps and its reason as the first step's message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from support.evidence import ScenarioRecord

STEP_STATUS = {"passed": "passed", "failed": "failed", "undefined": "undefined"}  # anything else: skipped


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _tags(names: Iterable[str]) -> list[dict]:
    return [{"name": f"@{name}", "line": 1} for name in sorted(names)]


def _element(record: ScenarioRecord) -> dict:
    scenario, ran = record.scenario, record.status in ("passed", "failed")
    reason = record.reason if not ran else None
    steps = []
    for index, step in enumerate(record.steps):
        status = STEP_STATUS.get(step.status, "skipped") if ran else "skipped"
        result = {"status": status, "duration": int((step.duration or 0) * 1e9)}
        message = step.error or (reason if index == 0 else None)
        if message:
            result["error_message"] = message
        steps.append({"keyword": f"{step.keyword} ", "name": step.text, "line": step.line, "result": result})
        if step.docstring is not None:
            steps[-1]["doc_string"] = {"value": step.docstring, "line": step.line + 1}
    return {
        "id": f"{_slug(record.feature.name)};{_slug(record.nodeid.split('::', 1)[-1])}",
        "keyword": "Scenario",
        "type": "scenario",
        "name": scenario.name,
        "description": scenario.description or "",
        "line": scenario.line,
        "tags": _tags(set(scenario.tags) | set(record.feature.tags)),
        "steps": steps,
    }


def cucumber_document(records: Iterable[ScenarioRecord]) -> list[dict]:
    features: dict[str, dict] = {}
    for record in records:
        if not record.feature:
            continue
        feature = record.feature
        entry = features.setdefault(
            feature.file,
            {
                "uri": f"features/{feature.file}",
                "id": _slug(feature.name),
                "keyword": "Feature",
                "name": feature.name,
                "description": feature.description,
                "line": 1,
                "tags": _tags(feature.tags),
                "elements": [],
            },
        )
        entry["elements"].append(_element(record))
    return list(features.values())
