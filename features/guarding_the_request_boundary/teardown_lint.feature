@guarding_the_request_boundary
Feature: A lint that finds sessions left open past their request, before the code runs
  The incident's application built its scoped_session by hand and never wrote the teardown function that
  removes it. Nothing failed in a test or on a developer's machine; the stale reads started when production
  served several requests on one thread. The request-boundary features show what that costs at run time.
  This one specifies a check that fails the build instead: flake8-session-boundary, the flake8 plugin in this
  repository's lint/ folder (pip install flake8 ./lint), with three codes:

  - SRB100: a Flask module holds a scoped_session that no function Flask runs at teardown removes;
  - SRB200: a generator dependency (FastAPI's Depends, a context manager) yields a Session it made and never
    closes it;
  - SRB201: such a dependency closes its Session after the yield but outside a finally, so only when the
    request succeeded (FastAPI throws the endpoint's error in at the yield).

  Each message names the fix. The lint reads source and imports nothing of it: it needs no SQLAlchemy, and
  answers the same on every SQLAlchemy line this specification runs. Here it runs as a CI job runs it, in a
  process of its own: flake8 --select SRB,E999. E999 is selected with the lint's codes because flake8 runs no
  plugin on a file it cannot parse; it reports that file as E999 only, and --select SRB alone would pass it.

  Rule: A Flask module's scoped_session is removed by a function Flask runs at teardown

    Scenario: The incident's module, with no teardown at all, is reported on the line that makes the registry
      Given the module app.py:
        """
        from flask import Flask
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker

        engine = create_engine("postgresql+psycopg2://hr@db.example/hr")
        Session = scoped_session(sessionmaker(bind=engine))
        app = Flask(__name__)


        @app.get("/employees/<int:employee_id>")
        def read_employee(employee_id):
            employee = Session().get(Employee, employee_id)
            return {"id": employee.id, "email": employee.email}
        """
      When flake8 checks app.py
      Then flake8 prints:
        """
        app.py:6:11: SRB100 scoped_session Session is never removed at a Flask teardown: call Session.remove() in an @app.teardown_appcontext function
        """

    Scenario: The fixed module removes the session at teardown_appcontext, and nothing is reported
      Given the module app.py:
        """
        from flask import Flask
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker

        engine = create_engine("postgresql+psycopg2://hr@db.example/hr")
        Session = scoped_session(sessionmaker(bind=engine))
        app = Flask(__name__)


        @app.teardown_appcontext
        def end_the_session(exception=None):
            Session.remove()
        """
      When flake8 checks app.py
      Then flake8 reports nothing

    Scenario: remove() in a helper that the teardown function calls counts
      Given the module app.py:
        """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker())
        app = Flask(__name__)


        def forget_this_threads_session():
            Session.remove()


        def end_of_request(exception=None):
            forget_this_threads_session()


        app.teardown_appcontext(end_of_request)
        """
      When flake8 checks app.py
      Then flake8 reports nothing

    Scenario: Flask-SQLAlchemy's db.session is not reported, since the extension removes it itself
      Given the module app.py:
        """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)


        @app.get("/employees/<int:employee_id>")
        def read_employee(employee_id):
            employee = db.session.get(Employee, employee_id)
            return {"id": employee.id, "email": employee.email}
        """
      When flake8 checks app.py
      Then flake8 reports nothing

    Scenario: A registry made by a factory function is reported where the factory's result is bound
      Given the module app.py:
        """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker


        def make_session_registry(engine=None):
            return scoped_session(sessionmaker(bind=engine))


        Session = make_session_registry()
        app = Flask(__name__)
        """
      When flake8 checks app.py
      Then flake8 prints:
        """
        app.py:9:11: SRB100 scoped_session Session is never removed at a Flask teardown: call Session.remove() in an @app.teardown_appcontext function
        """

    Scenario: A registry imported from the project's database module is reported in the module that builds the app
      Given the module database/session.py:
        """
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker())
        """
      And the module app.py:
        """
        from flask import Flask

        from database.session import Session

        app = Flask(__name__)
        """
      When flake8 checks database/session.py and app.py
      Then flake8 prints:
        """
        app.py:3:1: SRB100 scoped_session Session (from database.session) is never removed at a Flask teardown: call Session.remove() in an @app.teardown_appcontext function
        """

    Scenario: The specification's own incident app removes only when asked, and a lint cannot see the condition
      The application under study registers its teardown only when built with remove_at_teardown. A static
      lint does not evaluate that condition: the teardown function exists and removes the session, so the
      module is not reported. Whether the session is removed is a run-time fact, which the request-boundary
      features observe.

      When flake8 checks the specification's own support/apps/flask_hr.py
      Then flake8 reports nothing

  Rule: A generator dependency closes the Session it yields, whatever the request did

    Scenario: A dependency that yields a Session and never closes it is reported
      Given the module dependencies.py:
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://hr@db.example/hr"))


        def get_session():
            session = SessionLocal()
            yield session
        """
      When flake8 checks dependencies.py
      Then flake8 prints:
        """
        dependencies.py:8:15: SRB200 get_session() yields the Session session without closing it: yield it inside `with SessionLocal() as session:` or close it in a finally
        """

    Scenario: A close() after the yield runs only when the request succeeded, and is reported
      Given the module dependencies.py:
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://hr@db.example/hr"))


        def get_session():
            session = SessionLocal()
            yield session
            session.close()
        """
      When flake8 checks dependencies.py
      Then flake8 prints:
        """
        dependencies.py:8:15: SRB201 get_session() closes the Session session only when the request succeeds: put session.close() in a finally around the yield
        """

    Scenario: A dependency that closes its Session in a finally is not reported
      Given the module dependencies.py:
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://hr@db.example/hr"))


        def get_session():
            session = SessionLocal()
            try:
                yield session
            finally:
                session.close()
        """
      When flake8 checks dependencies.py
      Then flake8 reports nothing

    Scenario: A dependency that yields inside a with block is not reported
      Given the module dependencies.py:
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://hr@db.example/hr"))


        def get_session():
            with SessionLocal() as session:
                yield session
        """
      When flake8 checks dependencies.py
      Then flake8 reports nothing

  Rule: A file that does not parse is one line naming its file and line, and no plugin runs on it

    Scenario: A module cut off in the middle of a call
      Given the module app.py:
        """
        from flask import Flask
        from sqlalchemy.orm import scoped_session, sessionmaker

        Session = scoped_session(sessionmaker(
        app = Flask(__name__)
        """
      When flake8 checks app.py
      Then flake8 prints one line, E999 on line 4 of app.py
