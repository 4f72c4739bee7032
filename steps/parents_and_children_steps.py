"""Parents and their children: users and persons, orders and lines, carts and items, folders and documents."""

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from support import families
from support.observer import Observer
from support.outcome import Outcome
from support.sessions import ScenarioSessions

PARENT = rf"(?P<parent>{families.PARENT_NOUNS}) (?P<parent_id>\d+)"
TWO_CHILDREN = rf"(?:{families.CHILDREN_NOUNS}) (?P<first>\d+) and (?P<second>\d+)"
INT = {"parent_id": int, "first": int, "second": int, "child_id": int}


@pytest.fixture
def objects() -> dict:
    """The ORM objects a scenario talks about, by the name the feature gives them ("user 1", "the new person")."""
    return {}


@given(parsers.re(rf"{PARENT} is stored"), converters=INT)
def _(observer: Observer, parent: str, parent_id: int):
    families.store_family(observer.connection, parent, parent_id, [])


@given(
    parsers.re(rf"{PARENT} with {TWO_CHILDREN} is stored"),
    converters=INT,
)
def _(observer: Observer, parent: str, parent_id: int, first: int, second: int):
    families.store_family(observer.connection, parent, parent_id, [first, second])


@given(parsers.re(rf"a session has loaded {PARENT}"), converters=INT, target_fixture="session")
def _(sessions: ScenarioSessions, objects: dict, parent: str, parent_id: int) -> Session:
    session = sessions.maker(sessions.engine())()
    objects[f"{parent} {parent_id}"] = session.get(families.family(parent)[0], parent_id)
    return session


@given(
    parsers.re(rf"a 1.4 session made with future=True has loaded {PARENT}"), converters=INT, target_fixture="session"
)
def _(sessions: ScenarioSessions, objects: dict, parent: str, parent_id: int) -> Session:
    """SQLAlchemy 1.4's opt-in to 2.0 behaviour, Session(future=True)."""
    session = sessions.maker(sessions.engine(), future=True)()
    objects[f"{parent} {parent_id}"] = session.get(families.family(parent)[0], parent_id)
    return session


@given(parsers.re(rf"the session has loaded the (?:{families.CHILDREN_NOUNS}) of {PARENT}"), converters=INT)
def _(objects: dict, parent: str, parent_id: int):
    collection = families.family(parent)[1]
    list(getattr(objects[f"{parent} {parent_id}"], collection))


@given(parsers.parse("a new person has been linked to user {user_id:d} through the backref side, Person.user"))
def _(objects: dict, user_id: int):
    """The upgrade note's line: person.user = user, where User.persons is the relationship with the cascade."""
    person = families.family("user")[3]()
    person.user = objects[f"user {user_id}"]
    objects["the new person"] = person


@given(parsers.parse("a new person has been appended to the persons of user {user_id:d}"))
def _(objects: dict, user_id: int):
    person = families.family("user")[3]()
    objects[f"user {user_id}"].persons.append(person)
    objects["the new person"] = person


@given(parsers.parse("a new person linked to user {user_id:d} has been added to the session explicitly"))
def _(session: Session, objects: dict, user_id: int):
    person = families.family("user")[3](user=objects[f"user {user_id}"])
    session.add(person)
    objects["the new person"] = person


@given(
    parsers.re(r"cart item (?P<child_id>\d+) has been removed from the items of cart (?P<parent_id>\d+)"),
    converters=INT,
)
def _(objects: dict, child_id: int, parent_id: int):
    items = objects[f"cart {parent_id}"].items
    items.remove(next(item for item in items if item.id == child_id))


@when("the session flushes")
def _(session: Session, outcome: Outcome):
    outcome.attempt(session.flush)


@when("the session commits")
def _(session: Session, outcome: Outcome):
    outcome.attempt(session.commit)


@when(parsers.re(rf"the session commits the deletion of {PARENT}"), converters=INT)
def _(session: Session, objects: dict, outcome: Outcome, parent: str, parent_id: int):
    def delete_and_commit():
        session.delete(objects[f"{parent} {parent_id}"])
        session.commit()

    outcome.attempt(delete_and_commit)


@then(parsers.re(r"the new person (?P<verdict>is|is not) in the session"))
def _(session: Session, objects: dict, outcome: Outcome, verdict: str):
    outcome.succeeded()
    assert (objects["the new person"] in session) is (verdict == "is")


@then("the new person was given an id")
def _(objects: dict):
    assert objects["the new person"].id is not None


@then("the new person has no id")
def _(objects: dict):
    assert objects["the new person"].id is None


@then(
    parsers.re(
        rf"another connection sees {TWO_CHILDREN} still stored, belonging to no (?P<parent>{families.PARENT_NOUNS})"
    ),
    converters=INT,
)
def _(observer: Observer, outcome: Outcome, parent: str, first: int, second: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, parent)
    assert {first: None, second: None}.items() <= stored.items(), stored


@then(
    parsers.re(rf"another connection sees {TWO_CHILDREN} still belonging to {PARENT}"),
    converters=INT,
)
def _(observer: Observer, parent: str, parent_id: int, first: int, second: int):
    stored = families.children_as_stored(observer.connection, parent)
    assert {first: parent_id, second: parent_id}.items() <= stored.items(), stored


@then(parsers.re(rf"another connection sees no (?:{families.CHILDREN_NOUNS}) of {PARENT} left"), converters=INT)
def _(observer: Observer, outcome: Outcome, parent: str, parent_id: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, parent)
    assert parent_id not in stored.values(), stored


@then(
    parsers.re(r"another connection sees only cart item (?P<child_id>\d+) left in cart (?P<parent_id>\d+)"),
    converters=INT,
)
def _(observer: Observer, outcome: Outcome, child_id: int, parent_id: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, "cart")
    assert stored == {child_id: parent_id}, stored


@then(parsers.parse("the commit is refused: {column} may not be NULL"))
def _(outcome: Outcome, column: str):
    error = outcome.claim(IntegrityError)
    table, name = column.split(".")
    assert f'null value in column "{name}" of relation "{table}" violates not-null constraint' in str(error)
