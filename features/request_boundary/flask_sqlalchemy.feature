@request_boundary
Feature: Flask-SQLAlchemy's db.session, and the objects an application keeps past it
  Flask-SQLAlchemy's `db.session` is a scoped session whose scope is the Flask application context,
  and the extension removes it when that context is torn down, at the end of every request. That is
  the remove() the incident's team gave up. The same HR requests as in threaded_servers (an update
  through its own connection, then a read), on the same server, gunicorn's threaded worker with one
  thread, show the stale read gone.

  What still goes wrong is what the application itself keeps past the request. The removed session
  was closed: the objects it loaded are detached, with the values they had. An object kept in a module
  global answers a later request with those old values and sends no SQL; once a commit has expired it
  (expire_on_commit, on by default), it has no session to load from and raises DetachedInstanceError.
  Keeping the primary key instead, and loading through db.session in each request, reads fresh.
  `flask.g` does not carry an object that far: g belongs to the application context, and every
  request pushes a new one.

  A test that pushes an application context of its own around the requests it makes (a common fixture,
  `with app.app_context():`) changes that: Flask pushes an application context for a request only when
  none is pushed, so every request of the test shares the test's context. g and db.session then last
  from request to request, and the stale read the extension prevents in production comes back in the
  test. Those scenarios call the application in the scenario's thread through httpx's WSGI transport, as
  Flask's test client does.

  Each line runs the newest Flask-SQLAlchemy it supports: 3.0.5 on 1.4 (3.1 requires SQLAlchemy 2.0.16
  or later), 3.1 on 2.0 and 2.1. The scenarios read the same on each.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: db.session is removed when the request's application context ends, so the next request reads fresh

    Scenario: The incident's scoped session, never removed: the read after an update is stale
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: Flask-SQLAlchemy's db.session: the read after an update is fresh, the served employee still held
      The application still references the employee it served, the precondition of the stale read
      above; the session that loaded it was removed with its application context, and the next
      request's db.session loads the row again.
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

  Rule: An object kept in a module global outlives its session: it is detached, stale or unreadable

    Scenario: Kept by a request that only read it, the detached object answers with the old email and no SQL
      close() at teardown detaches the object and leaves its loaded values as they were.
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | the request that keeps an employee commits | no |
      And a request has kept employee 42 in a module global
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: Kept by a request that committed, the expired detached object cannot be read
      The commit expired the object; at teardown it lost its session, so the attribute has nothing to
      load from.
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | the request that keeps an employee commits | yes |
        | db.session expires on commit               | yes |
      And a request has kept employee 42 in a module global
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When a later request reads the employee the application kept
      Then the HTTP request failed with DetachedInstanceError: "is not bound to a Session; attribute refresh operation cannot proceed"

    Scenario: Kept by a request that committed with expire_on_commit off, the object is stale, not unreadable
      Turning expire_on_commit off, as projects do to silence the error above, brings the stale read back.
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | the request that keeps an employee commits | yes |
        | db.session expires on commit               | no  |
      And a request has kept employee 42 in a module global
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: Keeping the primary key, each request loads the employee through its own db.session
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | the request that keeps an employee commits | yes |
        | db.session expires on commit               | yes |
      And a request has kept employee 42 in a module global, by its primary key
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

  Rule: flask.g lasts one application context, and each request pushes its own

    Scenario: An object kept in flask.g is gone at the next request, which loads the employee afresh
      Given the HR application on Flask-SQLAlchemy is served over HTTP by gunicorn with --threads 1:
        | the request that keeps an employee commits | no |
      And a request has kept employee 42 in flask.g
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When a later request reads the employee the application kept
      Then the application was not able to take the employee from where it kept it
      And the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

  Rule: A test that pushes one application context around its requests shares it with each of them

    Scenario: Inside a pushed application context, an object kept in flask.g reaches the next request
      Given the HR application on Flask-SQLAlchemy is driven in process through httpx's WSGI transport, inside one application context the test has pushed:
        | the request that keeps an employee commits | no |
      And a request has kept employee 42 in flask.g
      And another connection has committed the email new@corp.example for employee 42
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: With no application context pushed, each request in process has a g of its own
      Given the HR application on Flask-SQLAlchemy is driven in process through httpx's WSGI transport, with no application context pushed:
        | the request that keeps an employee commits | no |
      And a request has kept employee 42 in flask.g
      And another connection has committed the email new@corp.example for employee 42
      When a later request reads the employee the application kept
      Then the application was not able to take the employee from where it kept it
      And the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

    Scenario: Inside a pushed application context, db.session is not removed between requests, and the read is stale
      The application keeps only the primary key, the fix of the module global above, and holds the
      employees it served; the session that loaded employee 42 is still the request's db.session.
      Given the HR application on Flask-SQLAlchemy is driven in process through httpx's WSGI transport, inside one application context the test has pushed:
        | the request that keeps an employee commits | no  |
        | application holds served employees         | yes |
      And a request has kept employee 42 in a module global, by its primary key
      And another connection has committed the email new@corp.example for employee 42
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: With no application context pushed, db.session is removed after each request in process, and the read is fresh
      Given the HR application on Flask-SQLAlchemy is driven in process through httpx's WSGI transport, with no application context pushed:
        | the request that keeps an employee commits | no  |
        | application holds served employees         | yes |
      And a request has kept employee 42 in a module global, by its primary key
      And another connection has committed the email new@corp.example for employee 42
      When a later request reads the employee the application kept
      Then the application was able to take the employee from where it kept it
      And the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read
