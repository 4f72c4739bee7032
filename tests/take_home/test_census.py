"""The census: which Sessions are alive, what each holds, where its transaction began, on the real database."""

from __future__ import annotations

import contextvars
import functools
import gc
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy_session_spec.census import Census, Holdings, holdings


@pytest.fixture
def census():
    census = Census().start()
    yield census
    census.stop()


def test_a_fresh_session_holds_nothing(engine, census):
    session = Session(engine)
    assert not holdings(session)
    assert str(holdings(session)) == "nothing"
    assert session in census.alive()
    assert census.begin_of(session) is None


def test_a_read_leaves_an_open_transaction_and_a_checked_out_connection(engine, census):
    session = Session(engine)
    session.execute(text("SELECT 1"))  # begun here
    assert holdings(session) == Holdings(transaction=True, connections=1, objects=0)
    begin = census.begin_of(session)
    this_test = test_a_read_leaves_an_open_transaction_and_a_checked_out_connection.__code__
    assert begin.site.endswith(f"test_census.py:{this_test.co_firstlineno + 2} in {this_test.co_name}")
    assert begin.thread_id == threading.get_ident()
    assert "an open transaction and 1 checked-out connection" in census.describe(session)
    session.close()
    assert not holdings(session)


def logged(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        return method(*args, **kwargs)

    return wrapper


class WrappingSession(Session):
    """A library's Session subclass, as SQLModel's: its own methods, decorated or not, wrap SQLAlchemy's."""

    @logged
    def exec(self, statement):
        return self.execute(statement)


def test_the_site_is_the_caller_of_a_session_subclass_s_methods(engine, census):
    session = WrappingSession(engine)
    session.exec(text("SELECT 1"))  # begun here, not in exec nor in its decorator
    this_test = test_the_site_is_the_caller_of_a_session_subclass_s_methods.__code__
    site = census.begin_of(session).site
    assert site.endswith(f"test_census.py:{this_test.co_firstlineno + 2} in {this_test.co_name}")
    session.close()


def test_a_savepoint_is_not_a_new_begin(engine, census):
    session = Session(engine)
    session.execute(text("SELECT 1"))
    first = census.begin_of(session)
    session.begin_nested()
    assert census.begin_of(session) == first
    session.close()


def test_begun_since_a_mark_on_a_thread(engine, census):
    before = Session(engine)
    before.execute(text("SELECT 1"))
    mark = census.mark()
    here = Session(engine)
    here.execute(text("SELECT 1"))
    elsewhere: list[Session] = []

    def begin_on_another_thread():
        elsewhere.append(Session(engine))
        elsewhere[0].execute(text("SELECT 1"))

    thread = threading.Thread(target=begin_on_another_thread)
    thread.start()
    thread.join()
    assert set(census.begun_since(mark)) == {here, elsewhere[0]}
    assert census.begun_since(mark, threading.get_ident()) == [here]
    for session in (before, here, elsewhere[0]):
        session.close()


def test_a_session_garbage_collected_is_no_longer_alive(engine, census):
    session = Session(engine)
    session.execute(text("SELECT 1"))
    key = id(session)
    del session
    gc.collect()
    assert key not in {id(alive) for alive in census.alive()}


def test_a_stopped_census_notes_nothing(engine):
    census = Census().start()
    census.stop()
    session = Session(engine)
    session.execute(text("SELECT 1"))
    assert census.begin_of(session) is None
    assert "begun before the census started" in census.describe(session)
    session.close()


def test_a_request_notes_the_sessions_begun_in_its_context_even_in_a_pool_thread(engine, census):
    """As Starlette's run_in_threadpool does, the worker thread runs in a copy of the request's context."""
    outside = Session(engine)
    record, token = census.enter_request()
    assert census.current_request() is record
    assert record.mark > 0
    here = Session(engine)
    here.execute(text("SELECT 1"))
    here.commit()
    here.execute(text("SELECT 1"))  # begun again: noted twice, one session
    here.begin_nested()  # a savepoint is no new begin
    in_pool: list[Session] = []

    def begin_in_a_pool_thread():
        in_pool.append(Session(engine))
        in_pool[0].execute(text("SELECT 1"))

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(begin_in_a_pool_thread,))
    thread.start()
    thread.join()
    elsewhere = threading.Thread(target=lambda: Session(engine).execute(text("SELECT 1")).all())  # no copy
    elsewhere.start()
    elsewhere.join()
    census.leave_request(token)
    outside.execute(text("SELECT 1"))
    assert census.current_request() is None
    assert record.sessions() == [here, in_pool[0]]
    for session in (outside, here, in_pool[0]):
        session.close()


def test_a_request_left_in_another_context_still_ends_there(census):
    _, token = census.enter_request()
    other = contextvars.Context()
    other.run(census.leave_request, token)  # reset refused in a context the token is not of: cleared instead
    assert other.run(census.current_request) is None
    census.leave_request(token)
    assert census.current_request() is None
