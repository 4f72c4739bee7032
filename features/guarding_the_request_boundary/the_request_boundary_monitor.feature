@guarding_the_request_boundary
Feature: A monitor that reports every request which leaves a session behind
  The incident ran for weeks because nothing in production said that a session outlived its request. The
  take-home plugin's request-boundary monitor says it at the end of each request, after the application's own
  teardown, for two defects:

  - a scoped_session registry that still holds a session for the request's thread: remove() was never called;
  - a Session begun during the request that is still in a transaction: a dependency that never closed it.

  Each request that leaves sessions behind is one log line (logger sqlalchemy_session_spec.monitor, level
  WARNING) naming the request and each session: where its transaction began, how long ago, on which thread, and
  what it still holds. A counter grows by the number of sessions (on /metrics with the active-session gauge),
  and in development the monitor raises SessionOutlivedRequest instead.

  On Flask it wraps app.wsgi_app (RequestBoundaryMonitor(app, Session)) rather than registering a teardown
  function of its own: Flask runs teardown functions in reverse order of registration, so a check registered
  after the application's teardown would run before it and report the session that teardown is about to remove.
  On FastAPI it is ASGI middleware (app.add_middleware(RequestBoundaryMiddleware)); a request is a context there,
  not a thread, so the Sessions a sync dependency begins in a pool thread are counted in their request.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: Under gunicorn's threaded worker, every request that leaves the scoped session behind is reported

    Scenario: The incident's application: each read is reported in one line, and the counter rises with it
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | no  |
        | request-boundary monitor installed | yes |
        | active-session gauge on /metrics   | yes |
      And /metrics has been scraped
      When employee 42 is read over HTTP 3 times
      Then the request-boundary monitor logged 3 lines, each naming "GET /employees/42" and "scoped_session Session was not removed"
      And /metrics counts 3 more sessions that outlived a request

    Scenario: The fixed application removes the session at teardown, and nothing is reported
      The application's teardown_appcontext function was registered before the monitor was installed: the
      monitor still checks after it, because it wraps the WSGI call.
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | yes |
        | request-boundary monitor installed | yes |
        | active-session gauge on /metrics   | yes |
      And /metrics has been scraped
      When employee 42 is read over HTTP 3 times
      Then the request-boundary monitor logged nothing
      And /metrics counts 0 more sessions that outlived a request

  Rule: With FastAPI, a dependency that never closes its session is reported, sync and async

    Scenario: A sync dependency yields a session and never closes it
      The endpoint and its dependency run in a pool thread, not on the event loop's thread.
      Given the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | FastAPI dependency closes its session | no  |
        | request-boundary monitor installed    | yes |
      When employee 42 is read over HTTP
      Then the request-boundary monitor logged 1 line, naming "GET /employees/42" and "begun during the request, still in a transaction"

    Scenario: The sync dependency closes its session, and nothing is reported
      Given the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | FastAPI dependency closes its session | yes |
        | request-boundary monitor installed    | yes |
      When employee 42 is read over HTTP
      Then the HTTP response shows the email old@corp.example
      And the request-boundary monitor logged nothing

    Scenario: An async dependency yields an AsyncSession and never closes it
      Given the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | FastAPI dependency closes its session | no  |
        | request-boundary monitor installed    | yes |
      When employee 42 is read over HTTP through the async dependency
      Then the request-boundary monitor logged 1 line, naming "GET /async/employees/42" and "begun during the request, still in a transaction"

    Scenario: The async dependency closes its AsyncSession, and nothing is reported
      Given the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | FastAPI dependency closes its session | yes |
        | request-boundary monitor installed    | yes |
      When employee 42 is read over HTTP through the async dependency
      Then the HTTP response shows the email old@corp.example
      And the request-boundary monitor logged nothing

  Rule: In development the monitor raises, so the leak fails the request that caused it

    Scenario: Never removed, the request fails with SessionOutlivedRequest
      Given a Flask application whose scoped session is never removed
      And the request-boundary monitor watches the application, given its scoped_session, raising in development
      When a request for employee 42 is served
      Then the request fails with SessionOutlivedRequest: "scoped_session Session was not removed"

    Scenario: Removed at the end of each request, the request succeeds
      Given a Flask application whose scoped session is removed at the end of each request
      And the request-boundary monitor watches the application, given its scoped_session, raising in development
      When a request for employee 42 is served
      Then the response shows the email old@corp.example

  Rule: A monitor given no scoped_session says so once, not at every request

    Scenario: Given no scoped_session, three requests that use no session: one line, at the first
      Given a Flask application whose scoped session is removed at the end of each request
      And the request-boundary monitor watches the application, given no scoped_session
      When 3 requests that use no session are served
      Then the request-boundary monitor said once that it was given no scoped_session, and nothing else
