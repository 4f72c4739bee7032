from pytest_bdd import scenarios

scenarios("guarding_the_request_boundary")
