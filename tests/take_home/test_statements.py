"""statements_sent and the row check, on the suite's database: what a block sent, and whether a value read came
from a row fetched in it and is what the database holds now."""

from __future__ import annotations

import asyncio
import gc
import re
import textwrap

import pytest
from sqlalchemy import Column, Integer, String, create_engine, event, select, text
from sqlalchemy.orm import Mapper, Session, declarative_base, scoped_session, sessionmaker
from sqlalchemy_session_spec import StatementsSent, holding_loaded_objects, statements_sent
from sqlalchemy_session_spec.statements import classify

from support.models import Employee
from tests.helpers.take_home import ROOT
from tests.test_take_home_readme import MARKED_BLOCK, blocks_differing


@pytest.fixture
def engine(database):
    engine = create_engine(database.url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO employees (id, name, email) VALUES (42, 'E', 'old@corp.example')"))
    yield engine
    engine.dispose()


def commit_email(engine, email: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE employees SET email = :email WHERE id = 42"), {"email": email})


@pytest.mark.parametrize(
    ("statement", "verb", "tables"),
    [
        ("SELECT employees.id FROM employees WHERE employees.id = %(pk_1)s", "SELECT", ("employees",)),
        (
            'SELECT u.id FROM "user" AS u JOIN public.orders ON u.id = orders.user_id',
            "SELECT",
            ("user", "public.orders"),
        ),
        ("INSERT INTO persons (user_id) VALUES (%(user_id)s) RETURNING persons.id", "INSERT", ("persons",)),
        ("delete\n  from cart_items where cart_items.id = %(id)s", "DELETE", ("cart_items",)),
        ("ROLLBACK TO SAVEPOINT sa_savepoint_1", "ROLLBACK TO", ()),
        ("", "", ()),
    ],
)
def test_each_statement_is_classified_by_verb_and_the_tables_it_names(statement, verb, tables):
    assert classify(statement) == (verb, tables)


def test_the_block_records_statements_and_transaction_events_and_unhooks(engine):
    with Session(engine) as session, statements_sent(session) as sent:
        session.get(Employee, 42)
        session.commit()
    assert [s.verb for s in sent.everything] == ["BEGIN", "SELECT", "COMMIT"]
    assert len(sent) == 1
    assert sent[0].table == "employees"
    assert sent[0].parameters == {"pk_1": 42}
    assert len(sent.selects_of("employees")) == 1
    assert sent.selects_of("orders") == []
    assert re.fullmatch(r"<statements sent: BEGIN; SELECT employees: SELECT employees\.id, .*; COMMIT>", repr(sent))
    with Session(engine) as session:
        session.get(Employee, 42)
    assert len(sent) == 1, "recorded after the block ended"
    assert not event.contains(Mapper, "load", sent._on_load)


def test_an_entity_query_sends_its_select_but_the_row_check_fails_it(engine):
    registry = scoped_session(sessionmaker(bind=engine))
    employee = registry().get(Employee, 42)
    commit_email(engine, "new@corp.example")
    with statements_sent(registry) as sent:
        read = registry().execute(select(Employee).where(Employee.id == 42)).scalar_one()
    assert read is employee
    assert len(sent.selects_of("employees")) == 1
    check = sent.freshness(read, "email")
    assert (check.loaded_from_row, check.value, check.database_value) == (False, "old@corp.example", "new@corp.example")
    with pytest.raises(AssertionError) as failure:
        sent.assert_fresh(read, "email")
    assert str(failure.value).startswith(
        "Employee(42).email = 'old@corp.example' was not loaded from a row during the block: the object was already "
        "in the identity map and kept its values (the database holds 'new@corp.example')"
    )
    assert "\n" not in str(failure.value)
    with statements_sent(registry) as sent:
        registry().execute(select(Employee).where(Employee.id == 42).execution_options(populate_existing=True)).one()
    sent.assert_fresh(employee, "email")
    registry.remove()


def test_a_repeatable_read_snapshot_is_loaded_from_a_row_yet_fails_against_the_database(engine):
    session = Session(engine.execution_options(isolation_level="REPEATABLE READ"))
    session.execute(select(Employee.id)).all()  # the snapshot is taken
    commit_email(engine, "new@corp.example")
    with statements_sent(session) as sent:
        employee = session.get(Employee, 42)
    check = sent.freshness(employee, "email")
    assert (check.loaded_from_row, check.matches_database, bool(check)) == (True, False, False)
    assert "was loaded from a row during the block, but the database holds 'new@corp.example'" in str(check)
    assert len(sent) == 1, "the row check's own read is not recorded"
    session.close()


def test_an_expired_attribute_loaded_again_counts_only_for_that_attribute(engine):
    with Session(engine) as session:
        employee = session.get(Employee, 42)
        session.expire(employee, ["email"])
        with statements_sent(session) as sent:
            assert employee.email == "old@corp.example"
        assert sent.loaded_from_row(employee, "email")
        assert not sent.loaded_from_row(employee, "name")


class ComparedEmployee(declarative_base()):
    """An employee compared by value: ``__eq__`` without ``__hash__``, as SQLModel's table models and
    MappedAsDataclass classes are, so the object itself cannot be a dictionary key."""

    __tablename__ = "employees"
    id = Column(Integer, primary_key=True, autoincrement=False)
    email = Column(String(200), nullable=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComparedEmployee) and (self.id, self.email) == (other.id, other.email)


def test_objects_that_cannot_be_hashed_are_loaded_and_checked(engine):
    assert ComparedEmployee.__hash__ is None
    with Session(engine) as session:
        with statements_sent(session) as sent:
            employee = session.get(ComparedEmployee, 42)  # the load event must not break the query
        sent.assert_fresh(employee, "email")
        commit_email(engine, "new@corp.example")
        with statements_sent(session) as sent:
            session.execute(select(ComparedEmployee)).scalar_one()
        with pytest.raises(AssertionError, match="already in the identity map and kept its values"):
            sent.assert_fresh(employee, "email")


def test_async_sessions_are_watched_through_their_sync_core(engine, database):
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    async def read_then_check():
        async_engine = create_async_engine(database.async_url)
        try:
            async with AsyncSession(async_engine) as session:
                with statements_sent(session) as sent:
                    employee = await session.get(Employee, 42)
                check = await sent.freshness_async(employee, "email")
                await sent.assert_fresh_async(employee, "email")
                return sent, check
        finally:
            await async_engine.dispose()

    sent, check = asyncio.run(read_then_check())
    assert [s.verb for s in sent.everything] == ["BEGIN", "SELECT"]
    assert check.fresh


def test_what_cannot_be_watched_is_refused_in_one_line():
    with pytest.raises(TypeError, match=r"^statements_sent\(\) cannot watch str: pass an Engine, a Connection, a"):
        statements_sent("postgresql://")


def test_holding_loaded_objects_keeps_them_in_a_session_that_lives_on(engine):
    session = Session(engine)
    with holding_loaded_objects() as held:
        session.get(Employee, 42)
        gc.collect()
        assert len(session.identity_map) == 1
        assert len(held) == 1
    gc.collect()
    assert len(session.identity_map) == 0, "still held after the block"
    session.close()


FIXTURE_TEST = """
    from sqlalchemy import select, text


    def test_the_fixture_records_until_the_test_ends(statements_sent, engine):
        sent = statements_sent(engine)
        with engine.connect() as connection:
            connection.execute(text("SELECT id FROM take_home_notes"))
        assert [s.verb for s in sent] == ["SELECT"] and sent[0].tables == ("take_home_notes",)
        with statements_sent(engine) as inner:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert len(inner) == 1 and len(sent) == 2
"""


def test_the_statements_sent_fixture_comes_with_the_plugin(project):
    project.run(FIXTURE_TEST).assert_outcomes(passed=1)


def test_the_readmes_lifecycle_example_is_the_samples_file():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## The lifecycle test")
    section = readme[start : readme.index("\n## ", start + 1)]
    assert MARKED_BLOCK.findall(section), "no marked block in the section"
    assert blocks_differing(section, ROOT) == []
    plugin_readme = (ROOT / "plugin" / "README.md").read_text()
    example = textwrap.dedent(MARKED_BLOCK.findall(section)[0][2])
    assert example in plugin_readme, "plugin/README.md shows another lifecycle test"


def test_several_watches_feed_one_record_and_each_unhooks_on_its_own(engine):
    sent = StatementsSent()
    other = create_engine(engine.url)
    with sent.watch(engine):
        with sent.watch(other), Session(other) as session:
            session.get(Employee, 42)
        with Session(engine) as session:
            session.get(Employee, 42)
    with Session(other) as session:
        session.get(Employee, 42)
    assert [s.verb for s in sent.everything] == ["BEGIN", "SELECT", "ROLLBACK", "BEGIN", "SELECT", "ROLLBACK"]
    assert not event.contains(Mapper, "load", sent._on_load)
    other.dispose()


def test_rows_only_the_tests_transaction_sees_are_checked_through_its_connection(engine):
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        connection.execute(text("INSERT INTO employees (id, name, email) VALUES (43, 'E', 'uncommitted@corp.example')"))
        with statements_sent(session) as sent:
            employee = session.get(Employee, 43)
        assert sent.freshness(employee, "email").database_value is None, "another connection saw an uncommitted row"
        sent.assert_fresh(employee, "email", database=connection)
        session.close()
        transaction.rollback()
