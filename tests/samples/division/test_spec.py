from pytest_bdd import given, parsers, scenarios, then, when

scenarios("spec.feature")


@given("a number")
def _():
    pass


@when(parsers.parse("it is divided by {divisor:d}"))
def _(outcome, divisor):
    outcome.attempt(lambda: 1 / divisor)


@then("there is a result")
def _(outcome):
    outcome.succeeded()
