"""The distribution: SQLAlchemy and pytest are its only dependencies, and it imports nothing of the specification."""

import ast
import tomllib
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
SOURCES = sorted((PLUGIN / "src" / "sqlalchemy_session_spec").glob("*.py"))
WEB_FRAMEWORKS = {"fastapi", "flask", "starlette"}


def test_its_only_dependencies_are_sqlalchemy_and_pytest():
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["SQLAlchemy>=1.4,<2.2", "pytest>=7.4,<10"]
    assert project["entry-points"]["pytest11"] == {"sqlalchemy_session_spec": "sqlalchemy_session_spec.plugin"}


def _imports(tree: ast.AST, module_level_only: bool) -> set[str]:
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_it_imports_nothing_of_the_specification_and_no_web_framework_at_module_level():
    assert SOURCES
    for source in SOURCES:
        tree = ast.parse(source.read_text(), filename=str(source))
        assert "support" not in _imports(tree, module_level_only=False), source
        if source.name != "fastapi.py":
            assert not _imports(tree, module_level_only=True) & WEB_FRAMEWORKS, source
