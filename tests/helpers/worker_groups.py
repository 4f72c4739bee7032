"""pytest-xdist's ``--dist loadgroup`` on pytest 9.2: tests marked ``xdist_group`` run on one worker again.

pytest-xdist 3.8 names a test's group in its node id (``...::test@group``, which its scheduler splits on) by
setting the item's ``_nodeid``; pytest 9.2 builds node ids from ``_id`` and no longer reads ``_nodeid``, so every
test was scheduled on its own and the groups were silently ignored. This plugin, loaded by the reliability
session's conftest, names the group where pytest 9.2 reads it; under an xdist that already did, it does nothing.
"""

from __future__ import annotations

import pytest


def group_of(item: pytest.Item) -> str | None:
    """The item's xdist group names, joined as pytest-xdist joins them; None when it has none."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) or None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # set on the workers of a --dist loadgroup run
        return
    for item in items:
        group = group_of(item)
        if group is None or item.nodeid.endswith(f"@{group}"):
            continue
        if not hasattr(item, "_id"):  # a pytest before 9.2: pytest-xdist's own naming works there
            continue
        from _pytest.nodeid import NodeId  # pytest 9.2's structured node id (private: kept to this one place)

        item._id = NodeId.parse(f"{item.nodeid}@{group}")
