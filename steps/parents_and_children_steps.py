"""Parents and their children: users and persons, orders and lines, carts and items, folders and documents."""

import warnings

from pytest_bdd import given, parsers, then, when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from support import constraint_errors, families
from support.families import Family, LoadedParent
from support.models import Person
from support.observer import Observer
from support.outcome import Outcome
from support.parameter_types import typed
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog
from support.warnings_log import WarningsLog, issued_by_the_when

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


@given(
    typed("{child:Child} {child_id:d} has been removed from the {children:Children} of {family:Parent} {parent_id:d}")
)
def _(loaded_parent: LoadedParent, child: Family, child_id: int, family: Family, parent_id: int):
    assert child == family, f"a {child.child} is not one of the {family.children}"
    collection = getattr(loaded_parent.named(family, parent_id), family.collection)
    collection.remove(next(member for member in collection if member.id == child_id))


@given(typed("a new {child:Child} {child_id:d} that belongs to no {family:Parent} has been added to the session"))
def _(session: Session, child: Family, child_id: int, family: Family):
    """A pending orphan: added on its own, never in a parent's collection."""
    assert child == family, f"a {child.child} does not belong to a {family.parent}"
    session.add(families.new_child(family, child_id))


@when(
    parsers.parse("a new person is linked to user {user_id:d} through the backref side, Person.user"),
    target_fixture="new_person",
)
def _(loaded_parent: LoadedParent, outcome: Outcome, user_id: int) -> Person:
    person = Person()
    outcome.attempt(lambda: setattr(person, "user", loaded_parent.named(USER, user_id)))
    return person


@when(parsers.parse("a new person is appended to the persons of user {user_id:d}"), target_fixture="new_person")
def _(loaded_parent: LoadedParent, outcome: Outcome, user_id: int) -> Person:
    person = Person()
    outcome.attempt(lambda: loaded_parent.named(USER, user_id).persons.append(person))
    return person


@when(parsers.parse("a new person is made as Person(user=user {user_id:d}), with warnings turned into errors"))
def _(loaded_parent: LoadedParent, outcome: Outcome, user_id: int):
    def made_with_warnings_as_errors():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return Person(user=loaded_parent.named(USER, user_id))

    outcome.attempt(made_with_warnings_as_errors)


@when(typed("the session reads the {children:Children} of {family:Parent} {parent_id:d}"))
def _(loaded_parent: LoadedParent, outcome: Outcome, family: Family, parent_id: int):
    """The first access to the collection: a lazy load, which autoflushes first."""
    outcome.attempt(lambda: list(getattr(loaded_parent.named(family, parent_id), family.collection)))


@then("the read found the new person, and nothing else")
def _(outcome: Outcome, new_person: Person):
    found = outcome.succeeded()
    assert len(found) == 1, found
    assert found[0] is new_person, found


@then("the read found no persons")
def _(outcome: Outcome):
    assert outcome.succeeded() == []


@given("SQLAlchemy 1.4 has not yet shown its notice about deprecated API features in this process")
def _(monkeypatch):
    """1.4 shows that notice once per process, in place of every RemovedIn20Warning, unless SQLALCHEMY_WARN_20."""
    from sqlalchemy.util import deprecations

    assert not deprecations.SQLALCHEMY_WARN_20, "SQLALCHEMY_WARN_20 is on: 1.4 shows each warning instead"
    monkeypatch.setattr(deprecations, "SILENCE_UBER_WARNING", False)


@then(parsers.parse('SQLAlchemy warned only with its generic notice, a RemovedIn20Warning: "{message}"'))
def _(warnings_log: WarningsLog, sql_log: SqlLog, outcome: Outcome, message: str):
    outcome.succeeded()
    issued = issued_by_the_when(warnings_log, sql_log.step_kinds)
    assert [entry.category for entry in issued] == ["RemovedIn20Warning"], issued
    assert message in issued[0].message, issued[0].message
    assert "User.persons" not in issued[0].message, "the notice names the relationship: SQLALCHEMY_WARN_20 is on"


@then("the linking issued no warning of any kind")
def _(warnings_log: WarningsLog, sql_log: SqlLog, outcome: Outcome):
    outcome.succeeded()
    issued = issued_by_the_when(warnings_log, sql_log.step_kinds)
    assert issued == [], f"the linking warned: {issued}"


@then(parsers.parse('making the person is refused with a RemovedIn20Warning: "{message}"'))
def _(outcome: Outcome, message: str):
    from sqlalchemy.exc import RemovedIn20Warning

    error = outcome.claim(RemovedIn20Warning)
    assert message in str(error), str(error)


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


@then(typed("another connection sees {children:Children} {first:d} and {second:d} deleted"))
def _(observer: Observer, outcome: Outcome, children: Family, first: int, second: int):
    """Gone, not merely unlinked: no row with either id is left, whatever parent it would point to."""
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, children)
    assert first not in stored, stored
    assert second not in stored, stored


@then(typed("another connection sees these {children:Children}, and the {family:Parent} each belongs to:"))
def _(observer: Observer, outcome: Outcome, children: Family, family: Family, datatable):
    """Every stored child of the kind, exactly: | id | the parent's id, or none |."""
    assert children == family, f"{family.children} belong to a {family.parent}, not {children.children}"
    outcome.succeeded()
    expected = {int(child): None if parent == "none" else int(parent) for child, parent in datatable}
    assert families.children_as_stored(observer.connection, family) == expected


@then(parsers.parse("another connection sees only cart item {child_id:d} left in cart {parent_id:d}"))
def _(observer: Observer, outcome: Outcome, child_id: int, parent_id: int):
    outcome.succeeded()
    stored = families.children_as_stored(observer.connection, families.family("cart"))
    assert stored == {child_id: parent_id}, stored


@then(parsers.parse("the commit is refused: {column} may not be NULL"))
def _(outcome: Outcome, column: str):
    error = outcome.claim(IntegrityError)
    table, name = column.split(".")
    assert constraint_errors.not_null_message(error, table, name) in str(error)
