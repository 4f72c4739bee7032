"""The one line that names why a server, initdb or a copy failed, and the likely fix."""

from __future__ import annotations

from pathlib import Path

from support.database.server_process import last_line
from support.scratch import data_root


def log_problem(log: Path) -> str:
    try:
        output = log.read_text(errors="replace")
    except OSError:
        output = ""
    return problem_line(output)


def problem_line(output: str) -> str:
    """The line of a server's or initdb's output that names the cause: the last FATAL, else PANIC (often only
    a consequence), else initdb's own error, else the last line."""
    for marker in (" FATAL: ", " PANIC: ", "error: "):
        matching = [line for line in output.splitlines() if marker in line]
        if matching:
            return " ".join(last_line(matching[-1]).split())
    return last_line(output)


def fix(problem: str) -> str:
    """The likely fix for a server, initdb or copy failure, from its last line of output."""
    lowered = problem.lower()
    if "no space left" in lowered or "could not extend" in lowered or "could not write" in lowered:
        return f"free space under {data_root()}, or set SPEC_PG_DATA_ROOT to a directory with room"
    if "permission denied" in lowered:
        return "set SPEC_PG_DATA_ROOT to a directory the server's user can enter, or SPEC_PG_USER to another user"
    if "shared memory" in lowered or "out of memory" in lowered or "could not map" in lowered:
        return "free memory, or stop other servers"
    return "fix what that line names, point --pg-bin at another PostgreSQL, or use --db=url"
