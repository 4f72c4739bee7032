pytest_plugins = [
    "pytester",
    "support.pytest_plugin",
    "steps.employees_steps",
    "steps.request_steps",
    "steps.observation_steps",
]
