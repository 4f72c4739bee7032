import pytest

from tests.helpers import take_home, worker_groups
from tests.helpers.child_runs import TAKES_TURNS

collect_ignore = ["samples"]  # projects the tests copy and run elsewhere, not tests of this suite

# The support tests run on three pytest-xdist workers (noxfile's tests session, --dist loadgroup). These run beside
# the rest: each works only on copies and children of its own (the flips' feature copies and databases, the
# take-home plugin's and the lint's own venvs, the living documentation). Every other support test takes turns on
# one worker, one after another as before the split: some look at the whole machine (orphaned shared memory, the
# scratch root's sweeps, processes), the service's databases, or kill what they started.
RUNS_BESIDE = ("tests/take_home/", "tests/lint/", "_scenarios_can_fail.py", "tests/test_living_docs.py")
RELIABILITY = "tests/reliability/"  # its tests are marked one by one (child_runs.TAKES_TURNS)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(worker_groups, "worker-groups")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.nodeid.split("::")[0]
        if not where.startswith(RELIABILITY) and not any(part in where for part in RUNS_BESIDE):
            item.add_marker(TAKES_TURNS)


@pytest.fixture(scope="session")
def plugin_wheel(tmp_path_factory: pytest.TempPathFactory):
    """The take-home plugin's wheel, built once a run from a copy of plugin/."""
    return take_home.plugin_wheel(tmp_path_factory.mktemp("plugin"))
