@request_boundary
Feature: What a scoped session that is never removed costs, besides stale data
  A session that outlives its request keeps more than objects. The first query of a request began a
  transaction on a pooled connection; without remove() nothing ends that transaction or gives the
  connection back. Each server thread that ever served a request keeps one connection, idle in
  transaction, for as long as the thread lives, and longer: when the thread ends, its Session is left to
  the garbage collector, and only when that collects it does the pool roll the connection back and take it
  in again. Nothing warns about it under psycopg2.

  On SQLite another connection cannot see the application's connection (there is no pg_stat_activity), and
  pysqlite begins no transaction to read: the connection stays checked out, but holds nothing on the file. With
  SQLAlchemy's documented pysqlite workaround the read does begin SQLite's transaction, and in SQLite's default
  rollback-journal mode that transaction keeps every other connection from committing, until the session ends it
  or the collector's rollback does.

  MySQL/MariaDB has no pg_stat_activity either: the rules that watch the application's connection through it are
  PostgreSQL's. The transaction stays open there all the same (InnoDB lists it in information_schema.INNODB_TRX),
  holding the snapshot of its first read (see when_a_read_is_stale); the pool and the identity map behave as on
  PostgreSQL.

  Background:
    Given employee 42 is stored with the email old@corp.example

  @database:postgresql
  Rule: The request's transaction stays open and its connection stays checked out

    Scenario: Never removed, the connection is left idle in transaction
      Given a Flask application whose scoped session is never removed
      When a request for employee 42 is served
      Then another connection sees the application's connection idle in transaction
      And the application's pool has 1 connections checked out

    Scenario: Removed at teardown, the connection goes back to the pool with its transaction ended
      Given a Flask application whose scoped session is removed at the end of each request
      When a request for employee 42 is served
      Then another connection sees the application's connection idle
      And the application's pool has 0 connections checked out

  @database:postgresql
  Rule: A thread that ends without remove() keeps its connection until the garbage collector runs

    Scenario: The thread has ended, the collector has not run: the connection is still idle in transaction
      Given a Flask application whose scoped session is never removed
      And the garbage collector has been paused, as it is between two of its runs
      When a request for employee 42 is served on a thread that then ends
      Then another connection sees the application's connection idle in transaction
      And the application's pool has 1 connections checked out

    Scenario: Once the collector has run, the pool has rolled the connection back and taken it in, silently
      Given a Flask application whose scoped session is never removed
      And the garbage collector has been paused, as it is between two of its runs
      And a request for employee 42 has been served on a thread that has since ended
      When the garbage collector runs
      Then another connection sees the application's connection idle
      And the application's pool has 0 connections checked out
      And the garbage collection issued no warning of any kind

  @database:sqlite
  Rule: On SQLite the connection stays checked out, and with the pysqlite workaround its transaction locks out every writer

    Scenario: Never removed, on pysqlite's own transaction handling, the connection is checked out and locks nothing
      Given a Flask application whose scoped session is never removed
      When a request for employee 42 is served
      Then the application's pool has 1 connections checked out
      And another connection can commit a change to employee 42, waiting at most 1 second for SQLite's lock

    Scenario: Never removed, with the workaround, no other connection can commit
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a Flask application whose scoped session is never removed
      When a request for employee 42 is served
      Then the application's pool has 1 connections checked out
      And another connection cannot commit a change to employee 42, waiting at most 1 second for SQLite's lock

    Scenario: Removed at teardown, with the workaround, the transaction ended with the request and others commit
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a Flask application whose scoped session is removed at the end of each request
      When a request for employee 42 is served
      Then the application's pool has 0 connections checked out
      And another connection can commit a change to employee 42, waiting at most 1 second for SQLite's lock

  @database:sqlite
  Rule: On SQLite, a thread that ends without remove() keeps its connection, and the workaround's lock, until the garbage collector runs

    Scenario: With the workaround, the thread has ended, the collector has not run: no other connection can commit
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a Flask application whose scoped session is never removed
      And the garbage collector has been paused, as it is between two of its runs
      When a request for employee 42 is served on a thread that then ends
      Then the application's pool has 1 connections checked out
      And another connection cannot commit a change to employee 42, waiting at most 1 second for SQLite's lock

    Scenario: With the workaround, once the collector has run, the pool has rolled the connection back, and others commit
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a Flask application whose scoped session is never removed
      And the garbage collector has been paused, as it is between two of its runs
      And a request for employee 42 has been served on a thread that has since ended
      When the garbage collector runs
      Then the application's pool has 0 connections checked out
      And another connection can commit a change to employee 42, waiting at most 1 second for SQLite's lock
      And the garbage collection issued no warning of any kind

  Rule: More server threads than pooled connections exhaust the pool

    Scenario: Never removed, the third thread waits for a connection that never comes back
      Given a Flask application whose scoped session is never removed, with a pool of 2 connections
      And 2 other server threads have each served a request for employee 42
      When another server thread serves a request for employee 42
      Then the request fails because the pool of 2 connections stayed exhausted

    Scenario: Removed at teardown, the same threads share the pool
      Given a Flask application whose scoped session is removed at the end of each request, with a pool of 2 connections
      And 2 other server threads have each served a request for employee 42
      When another server thread serves a request for employee 42
      Then the response shows the email old@corp.example

  Rule: The identity map grows only with what the application keeps referenced

    Scenario Outline: Two hundred requests for different employees on one thread
      Given employees 1000 to 1199 are stored
      And a Flask application whose scoped session is <lifetime>
      And <holding>
      When this thread serves one request for each of employees 1000 to 1199
      Then the sessions that served those requests hold <objects> objects in their identity maps

      Examples: Never removed
        | lifetime      | holding                                               | objects |
        | never removed | the application holds on to the employees it has served | 200     |
        | never removed | the application lets go of the employees it has served  | 0       |

      Examples: Removed at the end of each request
        | lifetime                           | holding                                               | objects |
        | removed at the end of each request | the application holds on to the employees it has served | 0       |
