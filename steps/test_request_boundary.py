from pytest_bdd import scenarios

scenarios("request_boundary")
