"""Added to the division sample's steps: a step that holds the run open until the test releases it."""

import os
import pathlib
import time

from pytest_bdd import given


@given("the run is held open")
def _(database):
    pathlib.Path(os.environ["SPEC_HELD"]).write_text(database.url.query["host"])
    deadline = time.monotonic() + 60
    while not pathlib.Path(os.environ["SPEC_RELEASE"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
