"""flake8-session-boundary: sessions that outlive their request, found before they ship.

SRB100  a Flask module's scoped_session that no teardown function removes
SRB200  a generator dependency that yields a Session it made and never closes
SRB201  a generator dependency that closes its Session after the yield, outside a finally
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .dependencies import dependency_findings
from .teardown import teardown_findings

__version__ = "0.1.0"


class SessionBoundaryChecker:
    """The flake8 AST checker: one pass of each check over a parsed module."""

    name = "flake8-session-boundary"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "stdin"):
        self.tree = tree
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for check in (teardown_findings, dependency_findings):
            for line, col, message in check(self.tree, self.filename):
                yield line, col, message, type(self)
