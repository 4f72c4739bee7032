@guarding_the_request_boundary
Feature: An active-session gauge on /metrics, scraped from the running application
  The incident's authors added a Prometheus gauge of active sessions per worker, alerting when a session
  outlives a request. The take-home plugin's gauge (sqlalchemy_session_spec.metrics, extra prometheus) is a
  prometheus_client collector that reads the process's Sessions at each scrape, and a counter the
  request-boundary monitor feeds:

  - sqlalchemy_sessions_alive: Sessions not yet garbage collected, per process (label pid);
  - sqlalchemy_sessions_holding: those holding a transaction, a checked-out connection or objects;
  - sqlalchemy_sessions_in_transaction: those in an open transaction;
  - sqlalchemy_session_oldest_transaction_age_seconds: how long ago the oldest open transaction began;
  - sqlalchemy_sessions_outlived_request_total: sessions a request left behind.

  Here the HR application serves it on /metrics under gunicorn's threaded worker (one worker, four threads),
  scraped over HTTP before and after the concurrent load of the threaded-servers feature: four clients, each
  updating and then reading its own employee fifty times, all at once. Without remove(), every read leaves its
  thread's session behind, and so does every update served by a thread whose session an earlier read left: the
  counter rises by at least one per read and at most one per request. An alert on its rate (for example
  increase(sqlalchemy_sessions_outlived_request_total[5m]) > 0) fires on the first one.

  Background:
    Given employees 100 to 103 are stored

  Rule: Under concurrent load the counter rises without remove() and stays at 0 with it, and the gauges show why

    Scenario: Four server threads, four clients, never removed
      Each thread that served a read keeps its session, in the transaction its first read began.
      Given the HR application is served over HTTP by gunicorn with --threads 4:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
        | request-boundary monitor installed | yes |
        | active-session gauge on /metrics   | yes |
      And /metrics has been scraped
      When 4 clients each update and then read their own employee 50 times, all at once
      Then /metrics counts between 200 and 400 more sessions that outlived a request
      And /metrics shows one session holding a transaction for each server thread that served a read
      And /metrics shows the oldest open transaction began after the first scrape

    Scenario: Four server threads, four clients, removed at teardown
      Given the HR application is served over HTTP by gunicorn with --threads 4:
        | scoped session removed at teardown | yes |
        | application holds served employees | yes |
        | request-boundary monitor installed | yes |
        | active-session gauge on /metrics   | yes |
      And /metrics has been scraped
      When 4 clients each update and then read their own employee 50 times, all at once
      Then /metrics counts 0 sessions that outlived a request
      And /metrics shows no session holding anything, and no open transaction
