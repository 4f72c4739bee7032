"""The session-leak check: which sessions and registry entries fail a test, which do not, and bad input."""

import re

import pytest

from tests.take_home.conftest import assert_one_line

FAIL = "session_leak_check = fail"
ADDRESS = r"0x[0-9a-f]+"
AGE = r"[0-9.]+ s ago"


def leak_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if line.startswith("session leak: ")]


def assert_leaks(result: pytest.RunResult, *patterns: str) -> None:
    """Exactly these leak lines (regular expressions, in order), each once."""
    lines = leak_lines(result)
    assert len(lines) == len(patterns), "\n".join(result.stdout.lines)
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), f"{line!r} does not match {pattern!r}"


PLAIN_LEAK = """
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    def test_forgets_to_close(engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
"""
PLAIN_LEAK_LINE = (
    rf"session leak: Session at {ADDRESS}, begun at test_project.py:7 in test_forgets_to_close on thread MainThread "
    rf"{AGE}, still holding an open transaction and 1 checked-out connection"
)


def test_off_by_default_a_leaking_test_passes(project):
    result = project.run(PLAIN_LEAK)
    result.assert_outcomes(passed=1)
    assert leak_lines(result) == []


def test_fail_counts_the_test_failed_with_one_line(project):
    result = project.run(PLAIN_LEAK, "-rA", ini=FAIL)
    # the call passed before the check ran at the end of its teardown: pytest counts both reports
    result.assert_outcomes(passed=1, failed=1)
    assert_leaks(result, PLAIN_LEAK_LINE)
    result.stdout.fnmatch_lines(["FAILED test_project.py::test_forgets_to_close - Failed: session leak: *"])
    assert "ERROR" not in result.stdout.str()
    assert result.ret == 1


def test_fail_under_xdist_is_counted_failed_by_the_controller(project):
    result = project.run(PLAIN_LEAK, "-n", "2", ini=FAIL)
    result.assert_outcomes(passed=1, failed=1)
    assert_leaks(result, PLAIN_LEAK_LINE)


def test_warn_passes_with_a_warning(project):
    result = project.run(PLAIN_LEAK, ini="session_leak_check = warn")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*SessionLeakWarning: session leak: Session at 0x*, begun at test_project.py:7 *"])


def test_the_fixture_checks_one_test_when_the_option_is_off(project):
    tests = (
        PLAIN_LEAK
        + """

    def test_checked(session_leak_check, engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
    """
    )
    result = project.run(tests)
    result.assert_outcomes(passed=2, failed=1)
    assert_leaks(result, PLAIN_LEAK_LINE.replace(":7 in test_forgets_to_close", ":12 in test_checked"))


def test_a_closed_session_and_one_of_a_closing_fixture_are_not_reported(project):
    tests = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    @pytest.fixture
    def own_session(engine):
        session = Session(engine)
        yield session
        session.close()


    @pytest.fixture(autouse=True)
    def autouse_session(engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
        yield
        session.close()


    def test_with_block(engine):
        with Session(engine) as session:
            session.execute(text("SELECT 1"))


    def test_fixture(own_session):
        own_session.execute(text("SELECT 1"))


    def test_committed_and_unreferenced(engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
        session.commit()
    """
    result = project.run(tests, ini=FAIL)
    result.assert_outcomes(passed=3)
    assert leak_lines(result) == []


def test_sessions_of_broader_fixtures_are_not_the_tests(project):
    tests = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    @pytest.fixture(scope="session")
    def session_wide(engine):
        session = Session(engine)
        yield session
        session.close()


    @pytest.fixture(scope="module")
    def module_wide(engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
        yield session
        session.close()


    def test_first(session_wide, module_wide):
        session_wide.execute(text("SELECT 1"))
        module_wide.execute(text("SELECT 2"))


    def test_second(session_wide, module_wide):
        session_wide.execute(text("SELECT 3"))
    """
    result = project.run(tests, ini=FAIL)
    result.assert_outcomes(passed=2)


def test_the_plugins_rollback_fixtures_are_not_reported(project):
    tests = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.orm import scoped_session, sessionmaker

    from conftest import Note

    Registry = scoped_session(sessionmaker())


    @pytest.fixture(scope="module")
    def seeded(rollback_shared_session):
        rollback_shared_session.add(Note(id=1, text="seed"))
        rollback_shared_session.commit()


    def test_session(seeded, rollback_session):
        rollback_session.add(Note(id=2, text="rolled back"))
        rollback_session.flush()


    def test_sessionmaker(rollback_sessionmaker):
        session = rollback_sessionmaker()
        session.execute(text("SELECT 1"))


    def test_factories(rollback_factories):
        rollback_factories(Registry)
        Registry.add(Note(id=3, text="scoped"))
        Registry.commit()
    """
    result = project.run(tests, ini=FAIL)
    result.assert_outcomes(passed=3)


def test_the_marker_excuses_one_test(project):
    tests = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.orm import Session


    @pytest.mark.session_leak_allowed(reason="on purpose")
    def test_forgets_to_close(engine):
        session = Session(engine)
        session.execute(text("SELECT 1"))
    """
    result = project.run(tests, "--strict-markers", ini=FAIL)
    result.assert_outcomes(passed=1)


def test_a_session_kept_only_by_its_cycle_is_reported_whatever_the_collector_does(project):
    """A Session left in a transaction is reachable only through Session <-> SessionTransaction once the test
    drops it: it keeps its connection until the collector runs. The check keeps it until its verdict."""
    tests = """
    import gc

    from sqlalchemy import text
    from sqlalchemy.orm import Session


    def leave_a_session_open(engine):
        Session(engine).execute(text("SELECT 1"))


    def test_collected(engine):
        leave_a_session_open(engine)
        assert engine.pool.checkedout() == 1  # no reference left, still checked out
        gc.collect()
    """
    result = project.run(tests, ini=FAIL)
    result.assert_outcomes(passed=1, failed=1)
    assert_leaks(result, rf"session leak: Session at {ADDRESS}, begun at test_project.py:8 in leave_a_session_open .*")


REGISTRY_MODULE = """
    from sqlalchemy.orm import scoped_session, sessionmaker

    Session = scoped_session(sessionmaker())
"""


def test_a_registry_named_in_the_ini_whose_entry_is_never_removed(project):
    project.pytester.makepyfile(registries=REGISTRY_MODULE)
    tests = """
    from concurrent.futures import ThreadPoolExecutor

    import pytest

    from conftest import Note
    from registries import Session

    pool = ThreadPoolExecutor(1, thread_name_prefix="worker")


    @pytest.fixture(autouse=True)
    def bound(engine):
        Session.configure(bind=engine)


    def pending_note():
        Session().add(Note(id=1, text="never flushed"))


    def read_and_remove():
        Session().get(Note, 1)
        Session.remove()


    def test_left_on_a_worker_thread():
        pool.submit(pending_note).result()


    def test_removed_on_the_worker_thread():
        pool.submit(read_and_remove).result()
    """
    result = project.run(tests, ini=f"{FAIL}\nsession_leak_registries = registries.Session")
    result.assert_outcomes(passed=2, failed=1)
    assert_leaks(
        result,
        rf"session leak: Session at {ADDRESS}, begun at test_project.py:17 in pending_note on thread worker_0 {AGE}, "
        r"still holding an open transaction and 1 object in its identity map; "
        r"the entry of registries\.Session for thread worker_0, never removed",
    )


def test_registries_from_the_fixture_and_async_sessions(project):
    project.pytester.makepyfile(registries=REGISTRY_MODULE)
    conftest = """
    from asyncio import current_task

    from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session
    from sqlalchemy_session_spec.compat import async_sessionmaker  # SQLAlchemy 1.4: a sessionmaker of AsyncSession

    from registries import Session


    @pytest.fixture
    def async_registry(async_engine):
        return async_scoped_session(async_sessionmaker(async_engine, class_=AsyncSession), scopefunc=current_task)


    @pytest.fixture
    def session_leak_registries(async_registry):
        return {"the async registry": async_registry, "registries.Session": Session}
    """
    tests = """
    import pytest
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession


    @pytest.mark.asyncio
    async def test_an_async_session_left_open(async_engine):
        session = AsyncSession(async_engine)
        await session.execute(text("SELECT 1"))


    @pytest.mark.asyncio
    async def test_an_async_entry_never_removed(async_registry):
        await async_registry().execute(text("SELECT 1"))
        await async_registry().commit()


    @pytest.mark.asyncio
    async def test_an_async_entry_removed(async_registry):
        await async_registry().execute(text("SELECT 1"))
        await async_registry.remove()
    """
    ini = f"{FAIL}\nasyncio_mode = strict\nasyncio_default_test_loop_scope = session"  # one loop, one pool
    result = project.run(tests, "-p", "no:anyio", conftest=conftest, ini=ini)
    result.assert_outcomes(passed=3, failed=2)
    assert_leaks(
        result,
        rf"session leak: Session at {ADDRESS}, begun at test_project.py:9 in test_an_async_session_left_open "
        rf"on thread MainThread {AGE}, still holding an open transaction and 1 checked-out connection",
        rf"session leak: Session at {ADDRESS}, begun at test_project.py:14 in test_an_async_entry_never_removed "
        rf"on thread MainThread {AGE}, still holding nothing; the entry of the async registry for thread MainThread, "
        r"never removed",
    )


@pytest.mark.parametrize(
    ("ini", "expected"),
    [
        ("session_leak_check = strict", "ERROR: session_leak_check = strict is not a choice: use off, warn or fail"),
        (
            f"{FAIL}\nsession_leak_registries = myapp.nowhere.Session",
            "ERROR: session_leak_registries = myapp.nowhere.Session cannot be imported (No module named 'myapp'): "
            "name a scoped_session",
        ),
        (
            f"{FAIL}\nsession_leak_registries = conftest.Note",
            "ERROR: session_leak_registries: conftest.Note is DeclarativeMeta, not a scoped_session: name the registry",
        ),
    ],
    ids=["a mode that is not a choice", "a registry that does not import", "something that is not a registry"],
)
def test_bad_input_one_line(project, ini, expected):
    result = project.run("def test_it(): pass", ini=ini)
    assert expected in result.stderr.lines, "\n".join(result.stderr.lines + result.stdout.lines)
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_fixture_that_gives_no_registry_is_one_line(project):
    conftest = """
    @pytest.fixture
    def session_leak_registries():
        return ["not a registry"]
    """
    result = project.run("def test_it(): pass", conftest=conftest, ini=FAIL)
    result.assert_outcomes(errors=1)
    assert_one_line(
        result, "session_leak_registries gave 'not a registry', not a scoped_session: return your registries from it"
    )
