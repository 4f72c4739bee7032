"""The living documentation: a static site rendered from the results of every SQLAlchemy line.

    python -m support.report.site [--results DIR] [--out DIR]

reads ``results/sqlalchemy-<line>.json`` (written by ``--spec-results``), merges the lines into one scenario x
version grid (``model``), and writes ``site/``: an index with the grid, a page per feature with its prose, rules,
steps and the SQL each step sent, a step catalogue generated from the step definitions (``catalogue``), a page of
what changed between versions, and Cucumber JSON per line. Plain HTML with inline CSS: it opens from disk, offline.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from support import databases
from support.report import model, scenarios, upgrading
from support.report.catalogue import catalogue
from support.report.cucumber import cucumber_document

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
# CommonMark with tables; raw HTML in a description is shown as text, never passed through
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown(text: str | None) -> Markup:
    """A Feature's or Rule's description as HTML: lists, code spans, emphasis, links (indentation removed first:
    pytest-bdd leaves a Rule's description indented as written, which Markdown would read as a code block)."""
    return Markup(MARKDOWN.render(textwrap.dedent(text or "").strip()))


@contextlib.contextmanager
def without_collections() -> Iterator[None]:
    """The garbage collector paused: the results are millions of objects that form no cycles, and each collection
    would walk them all again (half the render time of a large specification)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def render(results: Path, out: Path) -> Path:
    with without_collections():
        return _render(results, out)


def database_groups(runs: list[model.Run]) -> list[tuple[str, str, int]]:
    """The grid's heading above its line columns: each database, in the runs' order, and how many runs it has."""
    counts = Counter(run.database for run in runs)
    return [(database, databases.NAMES[database], counts[database]) for database in dict.fromkeys(counts)]


def _render(results: Path, out: Path) -> Path:
    site = model.site(results)  # read through the password mask: no page shows one
    scenarios.arrange(site.features, site.runs)
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["markdown"] = markdown
    common = {"runs": site.runs, "states": model.STATES}
    index = {
        "features": site.features,
        "errors": site.collection_errors,
        "grid_columns": len(site.runs) + 1,
        "databases": {run.database: run.database_name for run in site.runs},
        "database_groups": database_groups(site.runs),
        "versions": {
            run.line: run.version_heading for run in sorted(site.runs, key=lambda r: model.line_order(r.line))
        },
        "summary": lambda block: scenarios.summary(block, site.runs),
        "search_text": scenarios.search_text,
    }
    pages = {
        "index.html": ("index.html", index),
        "steps.html": ("steps.html", {"modules": catalogue(site.rows)}),
        "changes.html": ("changes.html", {"guide": upgrading.guide(site)}),
    }
    for feature in site.features:
        pages[feature.page] = ("feature.html", {"feature": feature})
    for target, (template, context) in pages.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * target.count("/")
        path.write_text(environment.get_template(template).render(root=root, **common, **context))
    for run in site.runs:
        path = out / "cucumber" / f"{run.file_stem}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cucumber_document(run.scenarios.values())))
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
