@request_boundary @database:postgresql
Feature: The server ends the transaction a never-removed session left open
  A scoped session that is never removed leaves its transaction open when the request ends, and its
  connection idle in that transaction (what_a_session_never_removed_costs). PostgreSQL's
  idle_in_transaction_session_timeout ends such a connection: once a transaction has been idle for longer,
  the server terminates the connection ("terminating connection due to idle-in-transaction timeout"). The
  session does not know until it next sends SQL through it. That request fails, instead of reading the old
  snapshot of a REPEATABLE READ transaction, and each one after it on the same thread fails too, until
  the session is rolled back, closed or removed:

  - on psycopg2 the failing read raises OperationalError, "server closed the connection unexpectedly",
    without the server's reason, on every line;
  - on asyncpg, whose event loop runs while the connection waits, as in a server, the driver has already
    seen the connection close, and the read raises InterfaceError, "cannot call PreparedStatement.fetch():
    the underlying connection is closed"; before 2.1 SQLAlchemy names asyncpg's own exception class in the
    text too;
  - SQLAlchemy takes either for a disconnect and invalidates the connection. The session's transaction is
    then invalid, and each later use raises PendingRollbackError, "Can't reconnect until invalid transaction
    is rolled back" (2.0 and 2.1 add "Please rollback() fully before proceeding").

  The timeout protects only reads that reach the database: an object the identity map answers sends no SQL,
  so it is still served stale, without an error. pool_pre_ping and pool_recycle act when a connection is
  taken out of the pool; the never-removed session's connection never went back, so neither runs. They do
  replace a connection that went back to the pool and was ended while it waited there (here by
  idle_session_timeout, PostgreSQL 14 and later; on an older server those two scenarios are not applicable).

  The timeouts are set on the suite's own database (ALTER DATABASE ... SET), for the scenario only, so every
  connection the scenario makes has them, the web server's included. 300 ms keeps the scenarios short; a
  production value is minutes, and the story is the same.

  The feature is PostgreSQL's: SQLite has no server to end a connection, and no timeout on an idle transaction.
  There the transaction a never-removed session left open lasts as long as its connection (see
  when_a_read_is_stale for what it holds on SQLite).

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: With the timeout, the next request that sends SQL fails, instead of reading the old snapshot

    The earlier request left its REPEATABLE READ transaction open and nothing references the employee, so
    the next read sends a SELECT; in the old snapshot it would find the old email.

    Scenario: Without the timeout, the never-removed session reads its old snapshot
      Given a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    Scenario: With the timeout, the server has ended the connection, and the read fails on psycopg2
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the read failed with OperationalError: "(psycopg2.OperationalError) server closed the connection unexpectedly"

    Scenario: Every later read on the thread fails with PendingRollbackError
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And nothing references employee 42 any more
      And a second has passed since the earlier request
      And a read of employee 42 on this thread has failed because the server ended the connection
      When the same thread reads employee 42 through its scoped session
      Then SQLAlchemy refused it with PendingRollbackError: "Can't reconnect until invalid transaction is rolled back"
      And the read sent no SQL

    Scenario: Rolled back after the failure, the session reads again, on a new connection
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request
      And a read of employee 42 on this thread has failed because the server ended the connection
      When the same thread rolls back, then reads employee 42
      Then the email read is new@corp.example
      And the read sent ROLLBACK, then BEGIN, then one SELECT of employee 42

    Scenario: Removed at the end of the request, the session never idles in a transaction, and the read is fresh
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request's session was removed at its end
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the email read is new@corp.example
      And the read sent BEGIN, then one SELECT of employee 42

    Scenario: An employee the application still references is answered from the identity map: no SQL, no error, stale
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent no SQL

  Rule: On asyncpg the read fails too, with the driver's own words

    Scenario: Without the timeout, an AsyncSession that outlives its requests reads its old snapshot
      Given an AsyncSession on asyncpg at REPEATABLE READ isolation, kept open across requests
      And an earlier request has loaded employee 42 through the AsyncSession
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request, the event loop running
      When the next request reads employee 42 through the AsyncSession
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    @sqlalchemy:<2.1
    Scenario: Before 2.1, the read through asyncpg fails with InterfaceError, naming asyncpg's class
      Given the database ends transactions left idle for more than 300 ms
      And an AsyncSession on asyncpg at REPEATABLE READ isolation, kept open across requests
      And an earlier request has loaded employee 42 through the AsyncSession
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request, the event loop running
      When the next request reads employee 42 through the AsyncSession
      Then the read failed with InterfaceError: "(sqlalchemy.dialects.postgresql.asyncpg.InterfaceError) <class 'asyncpg.exceptions._base.InterfaceError'>: cannot call PreparedStatement.fetch(): the underlying connection is closed"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, the read through asyncpg fails with InterfaceError, in asyncpg's words alone
      Given the database ends transactions left idle for more than 300 ms
      And an AsyncSession on asyncpg at REPEATABLE READ isolation, kept open across requests
      And an earlier request has loaded employee 42 through the AsyncSession
      And another connection has committed the email new@corp.example for employee 42
      And a second has passed since the earlier request, the event loop running
      When the next request reads employee 42 through the AsyncSession
      Then the read failed with InterfaceError: "(sqlalchemy.dialects.postgresql.asyncpg.InterfaceError) cannot call PreparedStatement.fetch(): the underlying connection is closed"

    Scenario: On asyncpg too, every later read fails with PendingRollbackError
      Given the database ends transactions left idle for more than 300 ms
      And an AsyncSession on asyncpg at REPEATABLE READ isolation, kept open across requests
      And an earlier request has loaded employee 42 through the AsyncSession
      And a second has passed since the earlier request, the event loop running
      And a read of employee 42 through the AsyncSession has failed because the server ended the connection
      When the next request reads employee 42 through the AsyncSession
      Then SQLAlchemy refused it with PendingRollbackError: "Can't reconnect until invalid transaction is rolled back"
      And the read sent no SQL

  Rule: pool_pre_ping and pool_recycle test a connection as it leaves the pool, and this one never went back

    Scenario Outline: Never removed, with the pool checking its connections, the read still fails
      Given the database ends transactions left idle for more than 300 ms
      And a scoped session whose engine was made with <option>
      And an earlier request on this thread has loaded employee 42
      And nothing references employee 42 any more
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the read failed with OperationalError: "(psycopg2.OperationalError) server closed the connection unexpectedly"

      Examples:
        | option                                |
        | pool_pre_ping=True                    |
        | pool_recycle=0.5                      |
        | pool_pre_ping=True, pool_recycle=0.5  |

    Scenario: Removed, its connection went back to the pool; ended there, it is replaced by pool_pre_ping
      Given the database ends connections left idle outside a transaction for more than 300 ms
      And a scoped session whose engine was made with pool_pre_ping=True
      And an earlier request on this thread has loaded employee 42
      And the earlier request's session was removed at its end
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent BEGIN, then one SELECT of employee 42

    Scenario: Without pool_pre_ping, the pooled connection the server ended is handed out, and the read fails
      Given the database ends connections left idle outside a transaction for more than 300 ms
      And a scoped session whose engine was made with the pool's defaults
      And an earlier request on this thread has loaded employee 42
      And the earlier request's session was removed at its end
      And a second has passed since the earlier request
      When the same thread reads employee 42 through its scoped session
      Then the read failed with OperationalError: "(psycopg2.OperationalError) server closed the connection unexpectedly"

  Rule: Over HTTP, under gunicorn's threaded worker, the request after the timeout fails instead of reading stale

    Scenario: Without the timeout, the never-removed session answers the read from its old snapshot
      Given the HR application is served over HTTP by gunicorn with --threads 1, errors as JSON:
        | scoped session removed at teardown | no  |
        | transactions at REPEATABLE READ    | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP
      Then the HTTP response shows the email old@corp.example

    Scenario: With the timeout, the read after it fails with OperationalError
      Given the database ends transactions left idle for more than 300 ms
      And the HR application is served over HTTP by gunicorn with --threads 1, errors as JSON:
        | scoped session removed at teardown | no  |
        | transactions at REPEATABLE READ    | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP
      Then the HTTP request failed with OperationalError: "(psycopg2.OperationalError) server closed the connection unexpectedly"

    Scenario: Removed at teardown, the read after the timeout is fresh
      Given the database ends transactions left idle for more than 300 ms
      And the HR application is served over HTTP by gunicorn with --threads 1, errors as JSON:
        | scoped session removed at teardown | yes |
        | transactions at REPEATABLE READ    | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP
      Then the HTTP response shows the email new@corp.example

  Rule: Over HTTP, under uvicorn, an AsyncSession shared by every request fails the same way on asyncpg

    The FastAPI application's broken setup: its dependency yields one AsyncSession, made at start and never
    closed. uvicorn answers the failed read with a 500 and logs the error.

    Scenario: Without the timeout, the shared AsyncSession answers the next request
      Given the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | a new session for every request | no |
      And employee 42 has been read over HTTP through the async dependency
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP through the async dependency
      Then the HTTP response shows the email old@corp.example

    Scenario: With the timeout, the shared AsyncSession's next request fails, and uvicorn logs asyncpg's InterfaceError
      Given the database ends transactions left idle for more than 300 ms
      And the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | a new session for every request | no |
      And employee 42 has been read over HTTP through the async dependency
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP through the async dependency
      Then the HTTP request failed with status 500
      And the server logged sqlalchemy.exc.InterfaceError: "cannot call PreparedStatement.fetch(): the underlying connection is closed"

    Scenario: A new AsyncSession for every request, the read after the timeout is answered
      Given the database ends transactions left idle for more than 300 ms
      And the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
        | a new session for every request | yes |
      And employee 42 has been read over HTTP through the async dependency
      And a second has passed since that HTTP request
      When employee 42 is read over HTTP through the async dependency
      Then the HTTP response shows the email old@corp.example
