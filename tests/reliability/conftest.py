from tests.helpers import worker_groups
from tests.helpers.kills import KillSummary


def pytest_configure(config):
    config.pluginmanager.register(KillSummary(), "kill-summary")
    config.pluginmanager.register(worker_groups, "worker-groups")
