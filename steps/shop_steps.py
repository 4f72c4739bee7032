"""The shop over HTTP: a FastAPI application whose session dependency the test overrides with its own session."""

import httpx
from pytest_bdd import given, parsers, then, when

from support.apps.fastapi_shop import shop_app
from support.outcome import Outcome
from support.parameter_types import typed


@given(
    "the shop application's session dependency has been overridden with the test's session",
    target_fixture="shop_client",
)
def _(request, flavour: str, database, joined_test):
    """app.dependency_overrides[request_session] = lambda: session, as the source's fixtures do."""
    app = shop_app(database.url, database.async_url)
    app.dependency_overrides[app.state.session_dependencies[flavour]] = lambda: joined_test.session
    if flavour == "async":
        runner = request.getfixturevalue("event_loop_runner")
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://shop.test")
        request.addfinalizer(lambda: runner.run(client.aclose()))
        return lambda path, body: runner.run(client.post(path, json=body))
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://shop.test")
    request.addfinalizer(client.close)
    return lambda path, body: client.post(path, json=body)


@when(typed("a client checks out order {order_id:d} and the payment is {payment:Payment}"))
def _(shop_client, flavour: str, outcome: Outcome, order_id: int, payment: str):
    path = "/async/checkout" if flavour == "async" else "/checkout"
    outcome.attempt(lambda: shop_client(path, {"order_id": order_id, "payment": payment}))


@then(parsers.parse("the shop answered {status:d} with order {order_id:d} in the state {state}"))
def _(outcome: Outcome, status: int, order_id: int, state: str):
    response = outcome.succeeded()
    assert response.status_code == status, response.text
    assert response.json() == {"order_id": order_id, "state": state}
