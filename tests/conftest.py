import pytest

from tests.helpers import take_home

collect_ignore = ["samples"]  # projects the tests copy and run elsewhere, not tests of this suite


@pytest.fixture(scope="session")
def plugin_wheel(tmp_path_factory: pytest.TempPathFactory):
    """The take-home plugin's wheel, built once a run from a copy of plugin/."""
    return take_home.plugin_wheel(tmp_path_factory.mktemp("plugin"))
