"""The "Upgrading" section of features/README.md, generated from the version tags of the features.

For each version a tag names as a boundary (``<2.0`` ends before it, ``>=2.0`` starts at it), the section
lists what stops being true and what starts being true there, linking to the features.

    python -m support.report.upgrading          print the section
    python -m support.report.upgrading --write  rewrite it in features/README.md
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from packaging.version import Version
from pytest_bdd.parser import FeatureParser

from support import versions

ROOT = Path(__file__).resolve().parent.parent.parent
FEATURES = ROOT / "features"
README = FEATURES / "README.md"
START, END = "<!-- upgrading: generated from the version tags; do not edit by hand -->", "<!-- upgrading: end -->"


def boundaries() -> dict[Version, dict[str, list[tuple[str, str]]]]:
    """version -> {"until": [(path, feature, scenario)], "since": [...]} for every version-tagged scenario."""
    found: dict[Version, dict[str, list]] = defaultdict(lambda: {"until": [], "since": []})
    for path in sorted(FEATURES.rglob("*.feature")):
        relative = path.relative_to(FEATURES).as_posix()
        feature = FeatureParser(str(FEATURES), relative).parse()
        for scenario in feature.scenarios.values():
            for tag in sorted(scenario.tags | feature.tags):
                if not tag.startswith(versions.TAG_PREFIX):
                    continue
                for clause in versions.parse_tag(tag):
                    side = "until" if clause.operator in ("<", "<=") else "since"
                    found[Version(clause.version)][side].append((relative, feature.name, scenario.name))
    return dict(sorted(found.items()))


def readable(scenario_name: str) -> str:
    """An outline's <placeholder> would vanish as an HTML tag in Markdown: show it as *placeholder*."""
    return re.sub(r"<([^<>]+)>", r"*\1*", scenario_name)


def section() -> str:
    lines = [START, "## Upgrading", ""]
    lines.append("What changes at each SQLAlchemy version, from the scenarios tagged for one side of it.")
    for version, sides in boundaries().items():
        lines += ["", f"### To {version}", ""]
        for side, heading in (("until", f"True before {version}, no longer"), ("since", f"True since {version}")):
            if sides[side]:
                lines.append(f"{heading}:")
                lines += [f"- {readable(scenario)} ([{feature}]({path}))" for path, feature, scenario in sides[side]]
                lines.append("")
        if lines[-1] == "":
            lines.pop()
    lines += ["", END]
    return "\n".join(lines)


def readme_with_section(text: str) -> str:
    if START in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        return before + section() + after
    return text.rstrip("\n") + "\n\n" + section() + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        README.write_text(readme_with_section(README.read_text()))
        print(f"wrote the Upgrading section of {README}")
    else:
        print(section())
