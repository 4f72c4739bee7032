"""The sample projects in tests/samples/, copied where a test runs them.

``division`` is a project that uses the harness as a plugin, as a user's would: a conftest, a pytest.ini, a
feature and its steps. Like the repository, it keeps no pytest cache; its runs keep the file order (no
pytest-randomly) and load no pytest-asyncio (whose warning about its settings is noise here). A variant
(``held_open``, ``quoting_url``) is the division project with the variant's feature and its steps added to the
division steps. ``bad_features/`` holds feature files a run must refuse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DIVISION = SAMPLES / "division"
DIVISION_STEPS = (DIVISION / "test_spec.py").read_text()
BAD_FEATURES = SAMPLES / "bad_features"


def sample_project(directory: Path, variant: str | None = None) -> Path:
    """The division project in ``directory`` (made if missing), or its ``variant``."""
    shutil.copytree(DIVISION, directory, dirs_exist_ok=True)
    if variant is not None:
        shutil.copy(SAMPLES / variant / "spec.feature", directory / "spec.feature")
        with (directory / "test_spec.py").open("a") as steps:
            steps.write("\n\n" + (SAMPLES / variant / "steps.py").read_text())
    return directory
