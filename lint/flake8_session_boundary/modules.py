"""What a module's names stand for: its imports as dotted names, and the project's own modules as parsed files."""

from __future__ import annotations

import ast
import sys
from functools import lru_cache
from pathlib import Path

ANCESTORS_SEARCHED = 8  # directories above the checked file where an absolute import's module may live
THIRD_PARTY = {"sqlalchemy", "sqlmodel", "flask", "flask_sqlalchemy", "fastapi", "starlette", "pydantic"}


def dotted(expr: ast.AST) -> str | None:
    """``a.b.c`` for a name or a chain of attributes, as written; None for anything else."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None


def last_name(expr: ast.AST) -> str:
    """The name an expression ends with (``Session`` for ``app.Session``); ``*`` when it ends with no name."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return "*"


def parents_of(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def walk_own(nodes: list[ast.AST]):
    """Every node under ``nodes``, without entering nested function definitions or lambdas."""
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    stack = [node for node in nodes if not isinstance(node, nested)]  # a body's own statements may be definitions
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, nested))


class Imports:
    """The module's imported names, each as the dotted name it stands for (``sqlalchemy.orm.scoped_session``)."""

    def __init__(self, tree: ast.AST, filename: str):
        self.filename = filename
        self.aliases: dict[str, str] = {}
        self.froms: dict[str, tuple[int, str, str, int]] = {}  # local name -> (level, module, name, line)
        self.uses_flask = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    self.aliases[alias.asname or top] = alias.name if alias.asname else top
                    self.uses_flask |= top == "flask"
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                self.uses_flask |= node.level == 0 and module.split(".")[0] == "flask"
                for alias in node.names:
                    local = alias.asname or alias.name
                    prefix = "." * node.level
                    self.aliases[local] = f"{prefix}{module}.{alias.name}" if module else f"{prefix}{alias.name}"
                    self.froms[local] = (node.level, module, alias.name, node.lineno)

    def qualified(self, expr: ast.AST) -> str | None:
        """The dotted name ``expr`` stands for, with its first name replaced by what it was imported as."""
        name = dotted(expr)
        if name is None:
            return None
        first, _, rest = name.partition(".")
        first = self.aliases.get(first, first)
        return f"{first}.{rest}" if rest else first

    def source(self, local: str) -> tuple[Path, str] | None:
        """For a name imported from one of the project's modules: that module's file and the name there."""
        if local not in self.froms:
            return None
        level, module, name, _ = self.froms[local]
        path = module_file(self.filename, level, module)
        return None if path is None else (path, name)

    def line_of(self, local: str) -> int:
        return self.froms[local][3]


def is_project_module(level: int, module: str) -> bool:
    """False for the standard library and the frameworks this lint knows; True for anything else."""
    top = module.split(".")[0]
    return bool(level) or not (top in THIRD_PARTY or top in getattr(sys, "stdlib_module_names", ()))


def module_file(filename: str, level: int, module: str) -> Path | None:
    """The file of a module imported by ``filename``, when it is one of the project's own modules."""
    if not is_project_module(level, module):
        return None
    here = Path(filename).resolve().parent
    if level:
        package = [here, *here.parents]  # level 1 is the file's own directory, each further dot one up
        roots = package[level - 1 : level]
    else:
        roots = [here, *here.parents][:ANCESTORS_SEARCHED]
    parts = [part for part in module.split(".") if part]
    for root in roots:
        candidate = root.joinpath(*parts)
        for path in ([candidate.with_name(candidate.name + ".py")] if parts else []) + [candidate / "__init__.py"]:
            if path.is_file():
                return path
    return None


def parsed(path: Path) -> ast.Module | None:
    """The module at ``path``, parsed; None when it cannot be read or parsed (flake8 reports that file itself)."""
    try:
        stat = path.stat()
        return _parse(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None


@lru_cache(maxsize=256)
def _parse(path: str, mtime_ns: int, size: int) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_bytes(), filename=path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, OSError):
        return None
