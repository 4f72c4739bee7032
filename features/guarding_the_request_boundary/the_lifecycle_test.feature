@guarding_the_request_boundary
Feature: The lifecycle test, and what it takes to catch a session that outlives its request
  The incident's CI gained a session-lifecycle test: write in one request, read in the next, expect the new
  value. Whether such a test can fail on the incident's application (a scoped_session never removed at
  teardown) depends on two things the test controls, not the application:

  - a reference to what the first request read: the identity map holds objects only weakly, so when nothing
    keeps the employee alive between the requests, even the never-removed session loads it again and the read
    is fresh. Looking into the session after the request is too late: the object is gone by then. The plugin's
    holding_loaded_objects() keeps every object loaded during its block referenced, as an application that
    keeps what it served would;
  - the thread and the session: the requests must be served one after the other on one thread, as a threaded
    server serves them, and the test must not call remove() itself, which is the very fix it should check.

  Each test below is a real file run by pytest in a process of its own, as CI runs it, against the HR
  application of the request-boundary features built as its server builds it, with Flask's test client (every
  request served on the test's own thread). The update request writes through its own connection and commits,
  as the incident's write path did. The test done right is shipped as an example to copy:
  tests/samples/flask_scoped_session/tests/test_session_lifecycle.py.

  Rule: The naive lifecycle test passes on the broken application

    @database:postgresql,sqlite
    Scenario: Nothing is kept between the requests, so the never-removed session reads the row again
      Given the test file test_lifecycle.py:
        """
        def test_the_next_request_reads_the_new_email(client):
            assert client.get("/employees/42").get_json()["email"] == "old@corp.example"
            client.put("/employees/42", json={"email": "new@corp.example"})
            assert client.get("/employees/42").get_json()["email"] == "new@corp.example"
        """
      When pytest runs test_lifecycle.py against the HR application whose scoped session is never removed
      Then the lifecycle test passes

    @database:mysql
    Scenario: On MySQL/MariaDB the naive test fails: the never-removed session reads its REPEATABLE READ snapshot
      MySQL/MariaDB's default isolation is REPEATABLE READ: the never-removed session's transaction took its
      snapshot with the first request's read, so the row read again is the old one, whether or not anything is kept.
      Given the test file test_lifecycle.py:
        """
        def test_the_next_request_reads_the_new_email(client):
            assert client.get("/employees/42").get_json()["email"] == "old@corp.example"
            client.put("/employees/42", json={"email": "new@corp.example"})
            assert client.get("/employees/42").get_json()["email"] == "new@corp.example"
        """
      When pytest runs test_lifecycle.py against the HR application whose scoped session is never removed
      Then the lifecycle test fails, the read showing old@corp.example

    Scenario: The test removes the session itself between the write and the read
      Given the test file test_lifecycle.py:
        """
        from sqlalchemy_session_spec import holding_loaded_objects


        def test_the_next_request_reads_the_new_email(client, Session):
            with holding_loaded_objects():
                assert client.get("/employees/42").get_json()["email"] == "old@corp.example"
                client.put("/employees/42", json={"email": "new@corp.example"})
                Session.remove()
                assert client.get("/employees/42").get_json()["email"] == "new@corp.example"
        """
      When pytest runs test_lifecycle.py against the HR application whose scoped session is never removed
      Then the lifecycle test passes

  Rule: Done right, the lifecycle test fails on the broken application and passes on the fixed one

    Scenario: Holding what the requests loaded, on the broken application
      Given the test file test_lifecycle.py:
        """
        from sqlalchemy_session_spec import holding_loaded_objects


        def test_the_next_request_reads_the_new_email(client):
            with holding_loaded_objects():  # as an application that keeps what it served would
                assert client.get("/employees/42").get_json()["email"] == "old@corp.example"
                client.put("/employees/42", json={"email": "new@corp.example"})
                assert client.get("/employees/42").get_json()["email"] == "new@corp.example"
        """
      When pytest runs test_lifecycle.py against the HR application whose scoped session is never removed
      Then the lifecycle test fails, the read showing old@corp.example

    Scenario: Holding what the requests loaded, on the fixed application
      Given the test file test_lifecycle.py:
        """
        from sqlalchemy_session_spec import holding_loaded_objects


        def test_the_next_request_reads_the_new_email(client):
            with holding_loaded_objects():  # as an application that keeps what it served would
                assert client.get("/employees/42").get_json()["email"] == "old@corp.example"
                client.put("/employees/42", json={"email": "new@corp.example"})
                assert client.get("/employees/42").get_json()["email"] == "new@corp.example"
        """
      When pytest runs test_lifecycle.py against the HR application whose scoped session is removed at the end of each request
      Then the lifecycle test passes
