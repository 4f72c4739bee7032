@guarding_the_request_boundary
Feature: A leak check that fails the test a session outlived
  The incident's authors added a session-lifecycle test to CI after the fact. A check that fails any test whose
  sessions outlive it finds the same bug in the tests a project already has: the take-home plugin's
  session_leak_check (off by default; warn or fail in the pytest ini). Once a test's own fixtures are torn down,
  every Session the test made that still holds something (an open transaction, a checked-out connection,
  objects in its identity map), and every entry of a watched scoped_session registry made during the test and
  never removed, is reported in one line: which session, begun where, on which thread, still holding what. The
  test then counts as failed.

  Sessions are the test's when they were made after its function-scoped fixtures began: those of session- and
  module-scoped fixtures are not, and the plugin's own rollback fixtures are never reported. A test marked
  session_leak_allowed is not judged. Here a real test project runs in a pytest process of its own,
  with the plugin installed, against this suite's database; its conftest serves the incident's HR application
  with waitress, a pool of 4 threads as gunicorn's threaded worker keeps, in the test process itself.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: A request served during the test whose session was never removed fails the test

    Scenario: The incident's application, its session never removed, fails the test that read through it
      The request's thread keeps its session in the registry, in the transaction its read began, with the
      connection it checked out: the state the next request on that thread reads stale data from.

      Given a test project with session_leak_check = fail in its pytest.ini
      And the project's application has its scoped session never removed
      And its test file test_hr.py:
        """
        def test_reading_employee_42(hr):
            assert hr.get("/employees/42")["email"] == "old@corp.example"
        """
      When pytest runs the test project
      Then the test test_reading_employee_42 fails with one line:
        """
        session leak: Session at 0x…, begun at hr_app.py:29 in read_employee on thread waitress-… … s ago, still holding an open transaction and 1 checked-out connection; the entry of hr_app.Session for thread waitress-…, never removed
        """

    Scenario: The fixed application removes its session at teardown, and the test passes
      Given a test project with session_leak_check = fail in its pytest.ini
      And the project's application has its scoped session removed at the end of each request
      And its test file test_hr.py:
        """
        def test_reading_employee_42(hr):
            assert hr.get("/employees/42")["email"] == "old@corp.example"
        """
      When pytest runs the test project
      Then every test passes, and no session leak is reported

  Rule: A Session the test made and never closed fails the test

    Scenario: A test that reads through a Session and never closes it
      Its read began a transaction, which holds a connection out of the pool until the garbage collector
      happens to collect the session: it is only reachable through its own reference cycle.

      Given a test project with session_leak_check = fail in its pytest.ini
      And its test file test_counting.py:
        """
        from sqlalchemy import text
        from sqlalchemy.orm import Session


        def test_counting_employees(engine):
            session = Session(engine)
            assert session.execute(text("SELECT count(*) FROM employees")).scalar() == 1
        """
      When pytest runs the test project
      Then the test test_counting_employees fails with one line:
        """
        session leak: Session at 0x…, begun at test_counting.py:7 in test_counting_employees on thread MainThread … s ago, still holding an open transaction and 1 checked-out connection
        """

    Scenario: A test that closes its Session with a with block passes
      Given a test project with session_leak_check = fail in its pytest.ini
      And its test file test_counting.py:
        """
        from sqlalchemy import text
        from sqlalchemy.orm import Session


        def test_counting_employees(engine):
            with Session(engine) as session:
                assert session.execute(text("SELECT count(*) FROM employees")).scalar() == 1
        """
      When pytest runs the test project
      Then every test passes, and no session leak is reported

  Rule: Sessions that are not the test's are not reported

    Scenario: A Session of a session-scoped fixture outlives every test, and is not reported
      Given a test project with session_leak_check = fail in its pytest.ini
      And its test file test_reports.py:
        """
        import pytest
        from sqlalchemy import text
        from sqlalchemy.orm import Session


        @pytest.fixture(scope="session")
        def reporting_session(engine):
            session = Session(engine)
            yield session
            session.close()


        def test_a_report(reporting_session):
            assert reporting_session.execute(text("SELECT count(*) FROM employees")).scalar() == 1


        def test_another_report(reporting_session):
            assert reporting_session.execute(text("SELECT max(id) FROM employees")).scalar() == 42
        """
      When pytest runs the test project
      Then every test passes, and no session leak is reported

    Scenario: The plugin's rollback fixtures are not reported, shared layer and pointed registry included
      Given a test project with session_leak_check = fail in its pytest.ini
      And its test file test_rolled_back.py:
        """
        import pytest
        from sqlalchemy import text


        @pytest.fixture(scope="module")
        def seeded(rollback_shared_session):
            rollback_shared_session.execute(text("UPDATE employees SET email = 'seed@corp.example'"))
            rollback_shared_session.commit()


        def test_through_the_rollback_session(seeded, rollback_session):
            rollback_session.execute(text("UPDATE employees SET email = 'test@corp.example'"))


        def test_through_the_application_registry(seeded, rollback_factories, Session):
            rollback_factories(Session)
            assert Session().execute(text("SELECT email FROM employees")).scalar() == "seed@corp.example"
        """
      When pytest runs the test project
      Then every test passes, and no session leak is reported

    Scenario: A test marked session_leak_allowed is not judged
      Given a test project with session_leak_check = fail in its pytest.ini
      And its test file test_pool.py:
        """
        import pytest
        from sqlalchemy import text
        from sqlalchemy.orm import Session


        @pytest.mark.session_leak_allowed(reason="shows a connection held by a session left in its transaction")
        def test_a_session_left_in_its_transaction_holds_its_connection(engine):
            session = Session(engine)
            session.execute(text("SELECT 1"))
            assert engine.pool.checkedout() == 1
        """
      When pytest runs the test project
      Then every test passes, and no session leak is reported
