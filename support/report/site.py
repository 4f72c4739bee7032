"""The living documentation: a static site rendered from the results of every SQLAlchemy line.

    python -m support.report.site [--results DIR] [--out DIR]

reads ``results/sqlalchemy-<line>.json`` (written by ``--spec-results``), merges the lines into one scenario x
version grid (``model``), and writes ``site/``: an index with the grid, a page per feature with its prose, rules,
steps and the SQL each step sent, a step catalogue generated from the step definitions (``catalogue``), a page of
what changed between versions, and Cucumber JSON per line. Plain HTML with inline CSS: it opens from disk, offline.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from support.report import model
from support.report.catalogue import catalogue
from support.report.cucumber import cucumber_document

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"


def render(results: Path, out: Path) -> Path:
    site = model.site(results)  # read through the password mask: no page shows one
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    common = {"runs": site.runs, "states": model.STATES}
    pages = {
        "index.html": (
            "index.html",
            {"features": site.features, "errors": site.collection_errors, "grid_columns": len(site.runs) + 1},
        ),
        "steps.html": ("steps.html", {"definitions": catalogue(site.rows)}),
        "changes.html": ("changes.html", {"changes": site.changes}),
    }
    for feature in site.features:
        pages[feature.page] = ("feature.html", {"feature": feature})
    for target, (template, context) in pages.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * target.count("/")
        path.write_text(environment.get_template(template).render(root=root, **common, **context))
    for run in site.runs:
        path = out / "cucumber" / f"sqlalchemy-{run.line}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cucumber_document(run.scenarios.values()), indent=1))
    return out / "index.html"


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m support.report.site", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results", help="directory of sqlalchemy-*.json")
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="where to write the site")
    options = parser.parse_args(arguments)
    index = render(options.results, options.out)
    print(f"living documentation: {index.resolve()}")


if __name__ == "__main__":
    main()
