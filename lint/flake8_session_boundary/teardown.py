"""SRB100: a Flask module's scoped_session that no teardown function removes.

A registry counts as removed when a zero-argument ``X.remove()`` whose ``X`` ends with the registry's name is
reachable from a function Flask runs at teardown: decorated with (or passed to) ``teardown_appcontext``,
``teardown_request`` or a blueprint's ``teardown_app_request``, following calls to the module's own functions and
to helpers imported from the project's modules. A teardown the lint cannot see (a callable from elsewhere) is
trusted to remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .modules import Imports, dotted, is_project_module, last_name, parents_of, parsed, walk_own

REGISTRY = {"sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"}
APPS = {"flask.Flask", "flask.app.Flask"}
BLUEPRINTS = {"flask.Blueprint", "flask.blueprints.Blueprint"}
APP_TEARDOWNS = {"teardown_appcontext", "teardown_request", "teardown_app_request"}
BLUEPRINT_TEARDOWNS = {"teardown_app_request"}  # a blueprint's teardown_request runs for its own requests only
ANY = "*"  # a remove() on something unnamed, or a teardown the lint cannot see
IMPORT_DEPTH = 2  # modules followed through imports, beyond the checked one

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Registry:
    name: str | None  # the name it is bound to; None when it is handed on without one
    line: int
    col: int
    origin: str = ""  # where an imported registry was made


class FlaskModule:
    """One module's scoped sessions, Flask objects and teardown functions."""

    def __init__(self, tree: ast.AST, filename: str, depth: int = 0):
        self.tree, self.filename, self.depth = tree, filename, depth
        self.imports = Imports(tree, filename)
        self.parents = parents_of(tree)
        self.calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        self.functions: dict[str, list[ast.AST]] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, []).append(node)
        self.builds_app = any(self.imports.qualified(call.func) in APPS for call in self.calls)
        self.blueprints = {
            dotted(target)
            for call in self.calls
            if self.imports.qualified(call.func) in BLUEPRINTS
            for target in self._targets(call)
        }
        self.factories: set[str] = set()
        self.registries = list(self._registries_made_here())
        self.teardowns, self.unseen_teardown = self._teardowns()
        self.removed = self._removed_at_teardown()

    # -- registries --------------------------------------------------------------------------------------

    def _registries_made_here(self) -> Iterator[Registry]:
        made = [call for call in self.calls if self.imports.qualified(call.func) in REGISTRY]
        returned_by: dict[str, ast.Call] = {}
        for call in made:
            factory = self._factory_returning(call)
            if factory is not None:
                self.factories.add(factory.name)
                returned_by.setdefault(factory.name, call)
                continue
            names = [dotted(target) for target in self._targets(call)] or [None]
            for name in names:
                yield Registry(name, call.lineno, call.col_offset)
        for name, creation in returned_by.items():
            bound = [call for call in self.calls if isinstance(call.func, ast.Name) and call.func.id == name]
            bindings = [(call, target) for call in bound for target in self._targets(call)]
            for call, target in bindings:
                yield Registry(dotted(target), call.lineno, call.col_offset)
            if not bindings:
                yield Registry(None, creation.lineno, creation.col_offset)

    def _targets(self, call: ast.AST) -> list[ast.AST]:
        """The names or attributes a value is assigned to."""
        parent = self.parents.get(call)
        if isinstance(parent, ast.Assign) and parent.value is call:
            return [t for t in parent.targets if dotted(t)]
        if isinstance(parent, (ast.AnnAssign, ast.NamedExpr)) and parent.value is call and dotted(parent.target):
            return [parent.target]
        return []

    def _factory_returning(self, call: ast.Call) -> ast.AST | None:
        """The function that returns this registry, directly or through a local name."""
        function = self._enclosing_function(call)
        if function is None or isinstance(function, ast.Lambda):
            return None
        returns = [node.value for node in walk_own(function.body) if isinstance(node, ast.Return) and node.value]
        if any(value is call for value in returns):
            return function
        names = {dotted(t) for t in self._targets(call)}
        return function if any(dotted(value) in names for value in returns if dotted(value)) else None

    def _enclosing_function(self, node: ast.AST) -> ast.AST | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, FunctionNode):
                return node
        return None

    def imported_registries(self) -> Iterator[Registry]:
        """Registries this module imports from the project's own modules that do not remove them themselves."""
        if self.depth >= IMPORT_DEPTH:
            return
        for local in self.imports.froms:
            found = self.imports.source(local)
            other = found and module_at(found[0], self.depth + 1)
            if not other:
                continue
            _, name = found
            level, module, _, _ = self.imports.froms[local]
            origin = "." * level + module
            if any(r.name and last_name_of(r.name) == name for r in other.registries) and not other.removes(name):
                yield Registry(local, self.imports.line_of(local), 0, origin)
            elif name in other.factories:
                for call in self.calls:
                    if isinstance(call.func, ast.Name) and call.func.id == local:
                        for target in self._targets(call):
                            yield Registry(dotted(target), call.lineno, call.col_offset, origin)

    # -- teardown ------------------------------------------------------------------------------------------

    def _is_teardown(self, attribute: ast.AST) -> bool:
        if not isinstance(attribute, ast.Attribute):
            return False
        allowed = BLUEPRINT_TEARDOWNS if dotted(attribute.value) in self.blueprints else APP_TEARDOWNS
        return attribute.attr in allowed

    def _teardowns(self) -> tuple[list[ast.AST], bool]:
        teardowns, unseen = [], False
        for functions in self.functions.values():
            for function in functions:
                decorators = [d.func if isinstance(d, ast.Call) else d for d in function.decorator_list]
                if any(self._is_teardown(d) for d in decorators):
                    teardowns.append(function)
        for call in self.calls:
            if not (self._is_teardown(call.func) and call.args):
                continue
            registered = call.args[0]
            if isinstance(registered, ast.Lambda):
                teardowns.append(registered)
            elif isinstance(registered, ast.Name) and registered.id in self.functions:
                teardowns.extend(self.functions[registered.id])
            elif isinstance(registered, ast.Name) and self._imported_helper_removes(registered.id) is False:
                continue
            else:
                unseen = True
        return teardowns, unseen

    def _blueprint_request_teardowns(self) -> list[ast.AST]:
        """Functions a blueprint runs after its own requests only (``bp.teardown_request``)."""

        def blueprint_request(node: ast.AST) -> bool:
            node = node.func if isinstance(node, ast.Call) else node
            return (
                isinstance(node, ast.Attribute)
                and node.attr == "teardown_request"
                and (dotted(node.value) in self.blueprints)
            )

        found = [f for fs in self.functions.values() for f in fs if any(map(blueprint_request, f.decorator_list))]
        for call in (c for c in self.calls if blueprint_request(c.func) and c.args):
            registered = call.args[0]
            found += [registered] if isinstance(registered, ast.Lambda) else []
            found += self.functions.get(registered.id, []) if isinstance(registered, ast.Name) else []
        return found

    def _removed_at_teardown(self) -> set[str]:
        return self._removed_from(self.teardowns) | ({ANY} if self.unseen_teardown else set())

    def _removed_from(self, functions: list[ast.AST]) -> set[str]:
        """The names ``X.remove()`` is called on in these functions and in every function they call."""
        removed: set[str] = set()
        queue, seen = list(functions), set()
        while queue:
            function = queue.pop()
            if id(function) in seen:
                continue
            seen.add(id(function))
            body = [function.body] if isinstance(function, ast.Lambda) else function.body
            for node in ast.walk(ast.Module(body=body, type_ignores=[])):
                if not isinstance(node, ast.Call):
                    continue
                callee = node.func
                if isinstance(callee, ast.Attribute) and callee.attr == "remove" and not (node.args or node.keywords):
                    removed.add(last_name(callee.value))
                elif isinstance(callee, ast.Name) and callee.id in self.functions:
                    queue.extend(self.functions[callee.id])
                elif isinstance(callee, ast.Name) and self._imported_helper_removes(callee.id) is not False:
                    removed.add(ANY)
        return removed

    def _imported_helper_removes(self, local: str) -> bool | None:
        """Whether a function imported from the project removes a registry; None when it cannot be seen."""
        if local not in self.imports.froms or not is_project_module(*self.imports.froms[local][:2]):
            return False
        found = self.imports.source(local) if self.depth < IMPORT_DEPTH else None
        if found is None:
            return None
        other = module_at(found[0], self.depth + 1)
        if other is None or found[1] not in other.functions:
            return None
        return bool(other._removed_from(other.functions[found[1]]))

    def removes(self, name: str | None) -> bool:
        if ANY in self.removed:
            return True
        return bool(self.removed) if name is None else last_name_of(name) in self.removed

    # -- the check -------------------------------------------------------------------------------------------

    @property
    def is_flask_module(self) -> bool:
        return self.imports.uses_flask and (
            self.builds_app or bool(self.blueprints) or bool(self.teardowns) or self.unseen_teardown
        )

    def findings(self) -> Iterator[tuple[int, int, str]]:
        if not self.is_flask_module:
            return
        registries = self.registries + (list(self.imported_registries()) if self.builds_app else [])
        blueprint_only = self._removed_from(self._blueprint_request_teardowns())
        for registry in registries:
            if not self.removes(registry.name):
                only_for_a_blueprint = registry.name and last_name_of(registry.name) in blueprint_only
                yield registry.line, registry.col, message(registry, bool(only_for_a_blueprint))


def last_name_of(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def message(registry: Registry, only_for_a_blueprint: bool = False) -> str:
    if only_for_a_blueprint:
        return (
            f"SRB100 scoped_session {registry.name} is removed only by a blueprint's teardown_request, which runs "
            "after that blueprint's own requests: use the blueprint's teardown_app_request, or @app.teardown_appcontext"
        )
    if registry.name is None:
        return (
            "SRB100 this scoped_session is never removed at a Flask teardown: "
            "call its remove() in an @app.teardown_appcontext function"
        )
    origin = f" (from {registry.origin})" if registry.origin else ""
    return (
        f"SRB100 scoped_session {registry.name}{origin} is never removed at a Flask teardown: "
        f"call {registry.name}.remove() in an @app.teardown_appcontext function"
    )


def module_at(path: Path, depth: int) -> FlaskModule | None:
    tree = parsed(path)
    return None if tree is None else FlaskModule(tree, str(path), depth)


def teardown_findings(tree: ast.AST, filename: str) -> Iterator[tuple[int, int, str]]:
    return FlaskModule(tree, filename).findings()
