"""The README's "Taking it home" recipes are the sample projects' own files: each code block follows a marker line
naming its file (``<!-- sample: path -->``: the whole file; ``<!-- sample excerpt: path -->``: lines of it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.take_home import ROOT
from tests.test_take_home_samples import LINES

SECTION = "## Taking it home"
MARKED_BLOCK = re.compile(r"^<!-- sample( excerpt)?: (\S+) -->\n\n?```\w*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FIXTURE_IMPORT = re.compile(r"^\s*from sqlalchemy_session_spec(\.plugin)? import", re.MULTILINE)


def section(readme: str) -> str:
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return readme[start : end if end != -1 else None]


def blocks_differing(text: str, root: Path) -> list[str]:
    """The marked blocks of ``text`` that are not their file's text (or lines of it), one line each."""
    differing = []
    for excerpt, path, block in MARKED_BLOCK.findall(text):
        file = root / path
        if not file.is_file():
            differing.append(f"{path}: no such file")
        elif not (block in file.read_text() if excerpt else block == file.read_text()):
            differing.append(f"{path}: the README's block is not {'in ' if excerpt else ''}the file's text")
    return differing


@pytest.fixture(scope="module")
def recipes() -> str:
    return section((ROOT / "README.md").read_text())


def test_every_block_is_its_samples_text(recipes: str):
    assert MARKED_BLOCK.findall(recipes), "no marked block in the section"
    assert blocks_differing(recipes, ROOT) == []


def test_every_shape_has_a_recipe(recipes: str):
    named = {path.split("/")[2] for _, path, _ in MARKED_BLOCK.findall(recipes)}
    assert named == set(LINES)


def test_every_code_block_is_marked(recipes: str):
    python_blocks = recipes.count("```python\n")
    marked_python = sum(1 for _, path, _ in MARKED_BLOCK.findall(recipes) if path.endswith(".py"))
    assert python_blocks == marked_python


def test_no_recipe_imports_fixtures(recipes: str):
    """The plugin arrives by its entry point (or pytest_plugins), never by importing fixtures (F401, F811)."""
    assert not [block for _, _, block in MARKED_BLOCK.findall(recipes) if FIXTURE_IMPORT.search(block)]


def test_a_block_that_drifted_is_named(recipes: str, tmp_path: Path):
    """The comparison can fail: one changed line in a copy of a sample file is reported."""
    _, path, block = next(found for found in MARKED_BLOCK.findall(recipes) if not found[0])
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(block.replace("def ", "def renamed_", 1))
    assert blocks_differing(recipes, tmp_path)[:1] == [f"{path}: the README's block is not the file's text"]
