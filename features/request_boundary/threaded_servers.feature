@request_boundary
Feature: What the incident looks like over HTTP, on real servers
  The same HR application, run by real servers on a loopback port and driven over HTTP. An update
  request writes through its own connection and commits; a read request goes through the scoped
  session. Whether the read after an update is stale depends on which thread serves it and on what
  that thread's session still holds. The application reports the statements it sent for each request.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: Under gunicorn's threaded worker a thread serves request after request with the same session

    Scenario: Never removed, the read after an update on the same thread is stale and sends no SQL
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email old@corp.example
      And the application reports no SQL for that read

    Scenario: Removed at teardown, the read after an update is fresh
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | yes |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

  Rule: A server that starts a new thread for every request hides the bug

    Scenario: A new thread gets a new session, even though none is ever removed
      Flask's development server runs each request on a thread of its own. The registry is keyed by
      thread, so every request finds no session and makes a new one. The ended thread's session is not
      closed: its connection stays checked out, idle in transaction, until the garbage collector collects
      the session and the pool rolls the connection back, with no warning under psycopg2 (see
      what_a_session_never_removed_costs). Nothing is stale here, which is why the missing remove()
      survives development.
      Given the HR application is served over HTTP by Flask's development server, a new thread per request:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email new@corp.example
      And the application reports one SELECT for that read

  Rule: Under concurrent load, reads are stale wherever a thread's session has seen the employee before

    Scenario: Four server threads, four clients, never removed
      Given employees 100 to 103 are stored
      And the HR application is served over HTTP by gunicorn with --threads 4:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
      When 4 clients each update and then read their own employee 50 times, all at once
      Then more than half of the 200 reads were stale

    Scenario: Four server threads, four clients, removed at teardown
      Given employees 100 to 103 are stored
      And the HR application is served over HTTP by gunicorn with --threads 4:
        | scoped session removed at teardown | yes |
        | application holds served employees | yes |
      When 4 clients each update and then read their own employee 50 times, all at once
      Then none of the 200 reads was stale
