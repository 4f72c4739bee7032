@guarding_the_request_boundary
Feature: SQL evidence that tells a fresh read from a stale one
  After the incident, staging gained a test that writes, then reads, and passes when a SELECT is sent for the
  read. A SELECT sent is no proof that the value read is fresh:

  - an entity query sends its SELECT and hands back the object the identity map already holds, unchanged: the
    row it fetched does not replace values the session has not expired;
  - a transaction left open at REPEATABLE READ sends its SELECT and reads the snapshot it took first
    (PostgreSQL's: SQLite has no REPEATABLE READ, and pysqlite begins no transaction for a read, so on SQLite
    a transaction SQLAlchemy believes open took no snapshot).

  The take-home plugin (sqlalchemy_session_spec) records the statements sent during a block,
  with statements_sent(session) as sent, and adds the check that answers the question: was the value loaded from
  a row fetched during the block (SQLAlchemy's load and refresh events say when an object is populated from a
  row), and is it what the database holds now, read through a connection of its own?
  sent.assert_fresh(employee, "email") fails in one line that names which of the two failed. The
  specification's own Thens about the SQL sent go through the same recorder.

  The identity-map scenarios run at the database's default isolation: READ COMMITTED on PostgreSQL; on SQLite,
  SERIALIZABLE, with no transaction begun for a read; on MySQL/MariaDB, REPEATABLE READ, so that a session whose
  transaction was never ended reads its first snapshot even with populate_existing.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: A SELECT sent for the read passes a stale read, and the row check fails it

    Scenario: An entity query on a session that still holds the employee
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with a SELECT of the entity, recording the statements sent
      Then the employee read shows the email old@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check fails: the email was not loaded from a row, the database holds new@corp.example

    @database:postgresql
    Scenario: A transaction left open at REPEATABLE READ reads its old snapshot
      PostgreSQL's: SQLite has no REPEATABLE READ (its pair is the last rule).
      Given a scoped session at REPEATABLE READ isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with Session.get(), recording the statements sent
      Then the employee read shows the email old@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check fails: the email was loaded from a row, the database holds new@corp.example

  Rule: On a fresh read the SELECT and the row check both pass

    Scenario: The earlier request's session was removed
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And the earlier request's session was removed at its end
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with a SELECT of the entity, recording the statements sent
      Then the employee read shows the email new@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check passes

    @database:postgresql,sqlite
    Scenario: The entity query asks for populate_existing
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with a SELECT of the entity and populate_existing, recording the statements sent
      Then the employee read shows the email new@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check passes

    @database:mysql
    Scenario: On MySQL/MariaDB, the entity query with populate_existing reads the snapshot of the transaction left open
      MySQL/MariaDB's default isolation is REPEATABLE READ: the earlier request's transaction, never ended, took its
      snapshot with its first read, and populate_existing overwrites the employee with that snapshot's row.
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with a SELECT of the entity and populate_existing, recording the statements sent
      Then the employee read shows the email old@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check fails: the email was loaded from a row, the database holds new@corp.example

    @database:postgresql
    Scenario: READ COMMITTED, and nothing references the employee any more
      PostgreSQL's: SQLite has no READ COMMITTED (its pair is the last rule).
      Given a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with Session.get(), recording the statements sent
      Then the employee read shows the email new@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check passes

  Rule: Over HTTP, the application's report of a SELECT passes a stale read, and the database contradicts the response

    The HR application, under gunicorn's threaded worker, reports the statements it sent for each request. The
    client checks the half of the row check it can: the value served against the row another connection reads now.

    @database:postgresql
    Scenario: At REPEATABLE READ, never removed: one SELECT for the read, and a stale response
      PostgreSQL's: SQLite has no REPEATABLE READ.
      The application lets go of what it served, so the read is no identity-map hit: it sends its SELECT, inside
      the transaction the first request began and never ended, and reads that transaction's snapshot.
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | no  |
        | application holds served employees | no  |
        | transactions at REPEATABLE READ    | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the application reports one SELECT for that read
      And the HTTP response shows the email old@corp.example
      And the HTTP response differs from what the database holds for employee 42

    @database:postgresql
    Scenario: At REPEATABLE READ, removed at teardown: one SELECT, and the response the database holds
      PostgreSQL's: SQLite has no REPEATABLE READ.
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | yes |
        | application holds served employees | no  |
        | transactions at REPEATABLE READ    | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the application reports one SELECT for that read
      And the HTTP response is what the database holds for employee 42

    Scenario: Under gunicorn, never removed: no SQL for the read, and a response the database contradicts
      Here the staging test's check works: the read is answered from the identity map without any SQL.
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | no  |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the application reports no SQL for that read
      And the HTTP response differs from what the database holds for employee 42

    Scenario: Under gunicorn, removed at teardown: one SELECT, and the response the database holds
      Given the HR application is served over HTTP by gunicorn with --threads 1:
        | scoped session removed at teardown | yes |
        | application holds served employees | yes |
      And employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the application reports one SELECT for that read
      And the HTTP response is what the database holds for employee 42

  @database:sqlite
  Rule: On SQLite, a transaction left open holds no stale snapshot: without BEGIN it holds nothing, with BEGIN it locks writers out
    SQLite's pair of the REPEATABLE READ scenarios above. pysqlite (and aiosqlite, which wraps it) sends no BEGIN
    before a SELECT, so the transaction the session believes open is none in SQLite. With SQLAlchemy's documented
    pysqlite workaround (BEGIN sent when the session begins; the take-home plugin's fixtures have it), the read
    runs in a real transaction, which holds SQLite's shared lock on the database file until it ends: a writer
    waits for it (pysqlite's 5 s timeout) and gives up, rather than the reader going stale.

    Scenario: On SQLite, a transaction left open after a read took no snapshot
      The session is in a transaction, but pysqlite sent no BEGIN for its SELECT: SQLite holds no snapshot and no
      lock for it, the other connection's commit goes through, and the next read sees it.
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 with Session.get(), recording the statements sent
      Then the employee read shows the email new@corp.example
      And the recorded statements hold one SELECT of employees
      And the row check passes

    Scenario: On SQLite with BEGIN sent when the session begins, the transaction left open blocks another connection's commit
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      When another connection commits the email new@corp.example for employee 42
      Then the database refused it with OperationalError: "database is locked"
