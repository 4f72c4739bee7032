pytest_plugins = ["support.pytest_plugin", "support.report.collector"]
