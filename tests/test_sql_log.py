"""The SQL log records what an engine sent, by step, and always unhooks."""

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from support.models import Employee
from support.sql_log import Classified, SqlLog, classify


@pytest.fixture
def engine(database):
    engine = create_engine(database.url)
    yield engine
    engine.dispose()


def test_statements_and_transaction_events_are_recorded_per_step(engine):
    log = SqlLog()
    with log.watching(engine):
        log.enter_step("given")
        with Session(engine) as session:
            session.add(Employee(id=1, name="A", email="a@corp.example"))
            session.commit()
        log.enter_step("when")
        with Session(engine) as session:
            employee = session.get(Employee, 1)
            with session.begin_nested():
                employee.email = "b@corp.example"
            session.rollback()
    assert [entry.verb for entry in log.for_step(0)] == ["BEGIN", "INSERT", "COMMIT"]
    assert [entry.verb for entry in log.during("when")] == [
        "BEGIN",
        "SELECT",
        "SAVEPOINT",
        "UPDATE",
        "RELEASE",
        "ROLLBACK",
    ]


def test_the_listeners_are_removed_even_when_the_block_fails(engine):
    log = SqlLog()
    with pytest.raises(RuntimeError), log.watching(engine):
        raise RuntimeError("the scenario failed")
    assert not event.contains(engine, "before_cursor_execute", log.sent._on_statement)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert log.entries == []


@pytest.mark.parametrize(
    ("statement", "verb", "table"),
    [
        ("SELECT employees.id FROM employees WHERE employees.id = %(pk_1)s", "SELECT", "employees"),
        ("INSERT INTO persons (user_id) VALUES (%(user_id)s) RETURNING persons.id", "INSERT", "persons"),
        ("UPDATE order_lines SET order_id=%(order_id)s", "UPDATE", "order_lines"),
        ("delete\n  from cart_items where cart_items.id = %(id)s", "DELETE", "cart_items"),
        ("SAVEPOINT sa_savepoint_1", "SAVEPOINT", ""),
        ("RELEASE SAVEPOINT sa_savepoint_1", "RELEASE", ""),
        ("ROLLBACK TO SAVEPOINT sa_savepoint_1", "ROLLBACK TO", ""),
        ("", "", ""),
    ],
)
def test_one_classifier_names_each_statement_by_verb_and_first_table(statement, verb, table):
    assert classify(statement) == Classified(verb, table)


def test_transaction_control_is_the_events_and_the_savepoint_statements():
    log = SqlLog()
    for statement in ("SAVEPOINT sa_1", "INSERT INTO shop_orders (id) VALUES (2)", "ROLLBACK TO SAVEPOINT sa_1"):
        log.record(statement)
    log.record("COMMIT", is_event=True)
    assert [entry.verb for entry in log.entries if entry.controls_transaction] == ["SAVEPOINT", "ROLLBACK TO", "COMMIT"]
