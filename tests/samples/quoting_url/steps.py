"""Added to the division sample's steps: steps that print, warn and fail with the run's URL, password and all."""

import sys
import warnings

from pytest_bdd import given, then

# a warning outside any step, at collection: pytest's own warnings summary prints it
warnings.warn(f"collected with {[a for a in sys.argv if a.startswith('--db-url=')]}", stacklevel=1)


@given("the URL is printed")
def _(database):
    print(f"working in {database.url.render_as_string(hide_password=False)}")
    warnings.warn(f"careful with {database.url.render_as_string(hide_password=False)}", stacklevel=1)


@then("the URL is quoted in the error")
def _(database):
    raise AssertionError(f"could not use {database.url.render_as_string(hide_password=False)}")
