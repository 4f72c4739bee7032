"""Parents and their children: users and persons, orders and lines, carts and items, folders and documents."""

from pytest_bdd import given, parsers, then
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from support import families
from support.families import Family, LoadedParent
from support.models import Person
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.sessions import ScenarioSessions

USER = families.family("user")


@given(typed("{family:Parent} {parent_id:d} is stored"))
def _(observer: Observer, family: Family, parent_id: int):
    families.store_family(observer.connection, family, parent_id, [])


@given(typed("{family:Parent} {parent_id:d} with {children:Children} {first:d} and {second:d} is stored"))
def _(observer: Observer, family: Family, parent_id: int, first: int, second: int):
    families.store_family(observer.connection, family, parent_id, [first, second])


@given(typed("a session has loaded {family:Parent} {parent_id:d}"), target_fixture="loaded_parent")
def _(sessions: ScenarioSessions, family: Family, parent_id: int) -> LoadedParent:
    return families.load_parent(sessions.maker(sessions.engine())(), family, parent_id)


@given(
    typed("a 1.4 session made with future=True has loaded {family:Parent} {parent_id:d}"),
    target_fixture="loaded_parent",
)
def _(sessions: ScenarioSessions, family: Family, parent_id: int) -> LoadedParent:
    """SQLAlchemy 1.4's opt-in to 2.0 behaviour, Session(future=True)."""
    return families.load_parent(sessions.maker(sessions.engine(), future=True)(), family, parent_id)


@given(typed("the session has loaded the {children:Children} of {family:Parent} {parent_id:d}"))
def _(loaded_parent: LoadedParent, family: Family, parent_id: int):
    list(getattr(loaded_parent.named(family, parent_id), family.collection))


@given(
    parsers.parse("a new person has been linked to user {user_id:d} through the backref side, Person.user"),
    target_fixture="new_person",
)
def _(loaded_parent: LoadedParent, user_id: int) -> Person:
    """The upgrade note's line: person.user = user, where User.persons is the relationship with the cascade."""
    person = Person()
    person.user = loaded_parent.named(USER, user_id)
    return person


@given(parsers.parse("a new person has been appended to the persons of user {user_id:d}"), target_fixture="new_person")
def _(loaded_parent: LoadedParent, user_id: int) -> Person:
    person = Person()
    loaded_parent.named(USER, user_id).persons.append(person)
    return person


@given(
    parsers.parse("a new person linked to user {user_id:d} has been added to the session explicitly"),
    target_fixture="new_person",
)
def _(session: Session, loaded_parent: LoadedParent, user_id: int) -> Person:
    person = Person(user=loaded_parent.named(USER, user_id))
    session.add(person)
    return person


@given(parsers.parse("cart item {child_id:d} has been removed from the items of cart {parent_id:d}"))
def _(loaded_parent: LoadedParent, child_id: int, parent_id: int):
    items = loaded_parent.named(families.family("cart"), parent_id).items
    items.remove(next(item for item in items if item.id == child_id))


@then(typed("the new person {is_in:IsOrIsNot} in the session"))
def _(session: Session, new_person: Person, outcome: Outcome, is_in: bool):
    outcome.succeeded()
    assert (new_person in session) is is_in


@then("the new person was given an id")
def _(new_person: Person):
    assert new_person.id is not None


@then("the new person has no id")
def _(new_person: Person):
    assert new_person.id is None


@then(
    typed(
        "another connection sees {children:Children} {first:d} and {second:d}"
        " still stored, belonging to no {family:Parent}"
    )
)
def _(observer: Observer, outcome: Outcome, family: Family, first: int, second: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, family)
    assert {first: None, second: None}.items() <= stored.items(), stored


@then(
    typed(
        "another connection sees {children:Children} {first:d} and {second:d}"
        " still belonging to {family:Parent} {parent_id:d}"
    )
)
def _(observer: Observer, family: Family, parent_id: int, first: int, second: int):
    stored = families.children_as_stored(observer.connection, family)
    assert {first: parent_id, second: parent_id}.items() <= stored.items(), stored


@then(typed("another connection sees no {children:Children} of {family:Parent} {parent_id:d} left"))
def _(observer: Observer, outcome: Outcome, family: Family, parent_id: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, family)
    assert parent_id not in stored.values(), stored


@then(parsers.parse("another connection sees only cart item {child_id:d} left in cart {parent_id:d}"))
def _(observer: Observer, outcome: Outcome, child_id: int, parent_id: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, families.family("cart"))
    assert stored == {child_id: parent_id}, stored


@then(parsers.parse("the commit is refused: {column} may not be NULL"))
def _(outcome: Outcome, column: str):
    error = outcome.claim(IntegrityError)
    table, name = column.split(".")
    assert f'null value in column "{name}" of relation "{table}" violates not-null constraint' in str(error)
