"""The sync fixtures: whatever the code under test does with its transactions, nothing survives the test."""

TESTS = """
    import pytest
    from sqlalchemy import select, text

    from conftest import Note


    def ids(session):
        return session.scalars(select(Note.id).order_by(Note.id)).all()


    def test_commit(rollback_session):
        rollback_session.add(Note(id=1, text="committed"))
        rollback_session.commit()
        assert rollback_session.get(Note, 1).text == "committed"


    def test_rollback_then_commit(rollback_session):
        rollback_session.add(Note(id=2, text="rolled back"))
        rollback_session.flush()
        rollback_session.rollback()
        rollback_session.add(Note(id=3, text="committed"))
        rollback_session.commit()
        assert ids(rollback_session) == [3]


    def test_flush_then_rollback(rollback_session):
        rollback_session.add(Note(id=4, text="flushed"))
        rollback_session.flush()
        rollback_session.rollback()
        assert ids(rollback_session) == []


    def test_nested_savepoints(rollback_session):
        with rollback_session.begin_nested():
            rollback_session.add(Note(id=5, text="released"))
        nested = rollback_session.begin_nested()
        rollback_session.add(Note(id=6, text="rolled back to"))
        rollback_session.flush()
        nested.rollback()
        rollback_session.commit()
        assert ids(rollback_session) == [5]


    def test_raise_in_the_code_under_test(rollback_session):
        def code_under_test(session):
            session.add(Note(id=7, text="half done"))
            session.flush()
            raise RuntimeError("failed halfway")

        with pytest.raises(RuntimeError):
            code_under_test(rollback_session)
        rollback_session.rollback()
        rollback_session.add(Note(id=8, text="after the failure"))
        rollback_session.commit()
        assert ids(rollback_session) == [8]


    def test_connection(rollback_connection):
        rollback_connection.execute(text("INSERT INTO take_home_notes VALUES (9, 'connection')"))
        assert rollback_connection.execute(text("SELECT count(*) FROM take_home_notes")).scalar() == 1


    def test_sessionmaker_sessions_share_the_test_transaction(rollback_sessionmaker, rollback_session):
        with rollback_sessionmaker() as first:
            first.add(Note(id=10, text="first"))
            first.commit()
        with rollback_sessionmaker.begin() as second:
            second.add(Note(id=11, text="second"))
        assert ids(rollback_session) == [10, 11]


    def test_an_earlier_test_left_nothing(rollback_session, engine):
        assert ids(rollback_session) == []
        with engine.connect() as other:
            assert other.execute(text("SELECT count(*) FROM take_home_notes")).scalar() == 0
"""


def test_the_sync_fixtures_roll_back_everything(project):
    project.run(TESTS).assert_outcomes(passed=8)


FACTORIES = """
    from sqlalchemy import select
    from sqlalchemy.orm import scoped_session, sessionmaker

    from conftest import Note

    SessionLocal = sessionmaker(expire_on_commit=False)  # the project's own factories, bound elsewhere
    ScopedSession = scoped_session(sessionmaker())
    CONFIGURED = dict(SessionLocal.kw), dict(ScopedSession.session_factory.kw)


    def code_that_makes_its_own_sessions():
        with SessionLocal() as session:
            session.add(Note(id=1, text="own sessionmaker"))
            session.commit()
        ScopedSession.add(Note(id=2, text="scoped"))
        ScopedSession.commit()
        ScopedSession.rollback()
        ScopedSession.add(Note(id=3, text="scoped again"))
        ScopedSession.commit()
        return ScopedSession.scalars(select(Note.id).order_by(Note.id)).all()


    def test_the_project_factories(rollback_factories):
        rollback_factories(SessionLocal, ScopedSession)
        assert code_that_makes_its_own_sessions() == [1, 2, 3]
        assert SessionLocal.kw["expire_on_commit"] is False


    def test_their_configuration_is_restored_and_the_registry_emptied(engine):
        assert (SessionLocal.kw, ScopedSession.session_factory.kw) == CONFIGURED
        assert not ScopedSession.registry.has()
"""


def test_rollback_factories_points_the_project_factories_for_one_test(project):
    project.run(FACTORIES).assert_outcomes(passed=2)


SESSION_CLASS = """
    from sqlalchemy import select

    from conftest import Note
    from sessions import ProjectSession


    def test_the_configured_class(rollback_session, rollback_sessionmaker):
        assert type(rollback_session) is ProjectSession
        assert isinstance(rollback_sessionmaker(), ProjectSession)
        rollback_session.add(Note(id=1, text="exec"))
        rollback_session.commit()
        assert rollback_session.exec(select(Note.id)).all() == [1]
"""

PROJECT_SESSION = """
    from sqlalchemy.orm import Session


    class ProjectSession(Session):  # as sqlmodel.Session: a subclass with its own query method
        def exec(self, statement):
            return self.scalars(statement)
"""


def test_the_session_class_option(project):
    project.pytester.makepyfile(sessions=PROJECT_SESSION)
    project.run(SESSION_CLASS, ini="rollback_session_class = sessions.ProjectSession").assert_outcomes(passed=1)
