"""SRB200, SRB201: a generator dependency (FastAPI's ``Depends``, a context manager) yielding a Session it made.

FastAPI throws an endpoint's exception into the dependency at its ``yield``, so code after the yield runs only when
the request succeeded. A Session made in the generator and yielded must be closed by a ``with`` around the yield or
a ``finally`` that closes it. pytest fixtures run their code after the yield in every case and are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .modules import Imports, dotted, last_name, parents_of, parsed, walk_own

SESSION_CLASSES = {
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.AsyncSession",
    "sqlmodel.Session",
    "sqlmodel.orm.session.Session",
    "sqlmodel.ext.asyncio.session.AsyncSession",
}
SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.session.sessionmaker",
    "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker",
}


def factory_names(tree: ast.AST, imports: Imports) -> set[str]:
    """The names bound to a sessionmaker in this module."""
    names = set()
    for node in ast.walk(tree):
        value = getattr(node, "value", None)
        made = isinstance(value, ast.Call) and imports.qualified(value.func) in SESSION_FACTORIES
        if made and isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(last_name(target) for target in targets)
    return names


def imported_factories(imports: Imports) -> set[str]:
    """The names this module imports that its project's modules bind to a sessionmaker."""
    names = set()
    for local in imports.froms:
        found = imports.source(local)
        tree = found and parsed(found[0])
        if tree and found[1] in factory_names(tree, Imports(tree, str(found[0]))):
            names.add(local)
    return names


class Generator:
    """One generator function and the Sessions it makes and yields."""

    def __init__(self, function: ast.AST, parents: dict, makes_session):
        self.function, self.parents, self.makes_session = function, parents, makes_session
        self.own = list(walk_own(function.body))

    def findings(self) -> Iterator[tuple[int, int, str]]:
        name = f"{self.function.name}()"
        for call in (node for node in self.own if isinstance(node, ast.Call) and self.makes_session(node)):
            if self._inside_with_item(call):
                continue
            parent = self.parents.get(call)
            if isinstance(parent, ast.Yield):
                yield call.lineno, call.col_offset, unclosed(self.function, call)
            elif isinstance(parent, ast.Assign) and [type(t) for t in parent.targets] == [ast.Name]:
                yield from self._check_variable(parent.targets[0].id, call, name)

    def _check_variable(self, variable: str, call: ast.Call, name: str) -> Iterator[tuple[int, int, str]]:
        yields = [n for n in self.own if isinstance(n, ast.Yield) and isinstance(n.value, ast.Name)]
        yields = [n for n in yields if n.value.id == variable]
        if not yields or all(self._closed_around(y, variable) for y in yields):
            return
        if _closes(self.own, variable):
            message = (
                f"SRB201 {name} closes the Session {variable} only when the request succeeds: "
                f"put {variable}.close() in a finally around the yield"
            )
        else:
            message = unclosed(self.function, call, variable)
        yield call.lineno, call.col_offset, message

    def _inside_with_item(self, node: ast.AST) -> bool:
        while node is not self.function and node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.withitem):
                return True
        return False

    def _closed_around(self, node: ast.AST, variable: str) -> bool:
        """Whether a ``finally`` closing the variable, or a ``with`` on it, encloses this node."""
        while node is not self.function and node in self.parents:
            child, node = node, self.parents[node]
            tried = isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))) and _in(child, node.body)
            if tried and _closes(list(walk_own(node.finalbody)), variable):
                return True
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(_manages(i, variable) for i in node.items):
                return True
        return False


def unclosed(function: ast.AST, call: ast.Call, variable: str | None = None) -> str:
    subject = f"the Session {variable}" if variable else "a Session"
    with_ = "async with" if isinstance(function, ast.AsyncFunctionDef) else "with"
    return (
        f"SRB200 {function.name}() yields {subject} without closing it: "
        f"yield it inside `{with_} {ast.unparse(call)} as {variable or 'session'}:` or close it in a finally"
    )


def _in(node: ast.AST, statements: list) -> bool:
    return any(node is statement for statement in statements)


def _closes(nodes: list, variable: str) -> bool:
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "close"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == variable
        for n in nodes
    )


def _manages(item: ast.withitem, variable: str) -> bool:
    """``with session:`` or ``with closing(session):``."""
    expr = item.context_expr
    if isinstance(expr, ast.Call) and last_name(expr.func) == "closing" and expr.args:
        expr = expr.args[0]
    return isinstance(expr, ast.Name) and expr.id == variable


def _yields(function: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_own(function.body))


def _is_fixture(function: ast.AST) -> bool:
    decorators = [d.func if isinstance(d, ast.Call) else d for d in function.decorator_list]
    return any(last_name(d) in ("fixture", "yield_fixture") for d in decorators)


def dependency_findings(tree: ast.AST, filename: str) -> Iterator[tuple[int, int, str]]:
    imports = Imports(tree, filename)
    factories = factory_names(tree, imports) | imported_factories(imports)

    def makes_session(call: ast.Call) -> bool:
        return imports.qualified(call.func) in SESSION_CLASSES or (
            dotted(call.func) is not None and last_name(call.func) in factories
        )

    parents = parents_of(tree)
    for node in ast.walk(tree):
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, functions) and not _is_fixture(node) and _yields(node):
            yield from Generator(node, parents, makes_session).findings()
