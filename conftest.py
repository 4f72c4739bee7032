pytest_plugins = [
    "pytester",
    "support.pytest_plugin",
    "support.report.collector",
    "support.apps.web_servers",
    "steps.employees_steps",
    "steps.request_steps",
    "steps.session_steps",
    "steps.observation_steps",
    "steps.parents_and_children_steps",
    "steps.mapping_steps",
    "steps.transaction_steps",
    "steps.shop_steps",
]
