from tests.helpers.kills import KillSummary


def pytest_configure(config):
    config.pluginmanager.register(KillSummary(), "kill-summary")
