@savepoint_rollback
Feature: Row locks a test's transaction holds
  Code under test that reads a row with SELECT ... FOR UPDATE (select(...).with_for_update()) and commits expects
  the commit to release the lock. Inside a test that hands it the recommended session (sqlalchemy_session_spec's
  rolled_back_session: join_transaction_mode create_savepoint since 2.0, the connection-level savepoint recipe on
  1.4) that commit releases a savepoint, and the lock belongs to the test's outer transaction until the test's
  teardown rolls it back. Another connection, what a live server thread or a background worker in the test would
  use, then waits for the lock. Here it waits at most 1 s, set on its own connection (SET lock_timeout = '1s' on
  PostgreSQL, SET innodb_lock_wait_timeout = 1 on MySQL/MariaDB, PRAGMA busy_timeout = 1000 on SQLite), and each
  statement it sends is its own transaction; its driver is the run's sync one (psycopg2, PyMySQL, pysqlite), in
  the async flavour too, where the code under test runs on asyncpg, aiomysql or aiosqlite. Left at the servers'
  defaults it would wait without limit on PostgreSQL (lock_timeout 0) and 50 s on InnoDB, and so would a test
  that waits for that thread.

  On MySQL/MariaDB the default isolation level is REPEATABLE READ, where InnoDB's locking reads also lock the gaps
  between index records: a locking read of an order that is not stored keeps other connections from inserting
  into its gap. PostgreSQL locks only rows that exist, as InnoDB does at READ COMMITTED. SQLite has no row locks:
  its dialect sends no FOR UPDATE, and in its default journal mode a transaction that has read holds the whole
  database file against writers. The same on SQLAlchemy 1.4, 2.0 and 2.1; MySQL/MariaDB's scenarios run on MariaDB.

  Background:
    Given order 1 is stored in the state start
    And another connection, like the one a server thread would use, waits at most 1 s for a lock

  @database:postgresql,mysql
  Rule: A row the code under test locks stays locked until the test's outer rollback, whatever the code commits

    @database:postgresql
    Scenario: On PostgreSQL, another connection's update of the row the code locked gives up after its lock timeout
      Given the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test locks order 1 with SELECT ... FOR UPDATE, changes nothing and commits
      Then the code under test's SELECT ends with FOR UPDATE
      And while the test is still running, another connection's update of order 1 waits out its lock timeout and fails with OperationalError (psycopg2.errors.LockNotAvailable): "canceling statement due to lock timeout"

    @database:mysql
    Scenario: On MySQL/MariaDB, another connection's update of the row the code locked gives up after its lock timeout
      Given the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test locks order 1 with SELECT ... FOR UPDATE, changes nothing and commits
      Then the code under test's SELECT ends with FOR UPDATE
      And while the test is still running, another connection's update of order 1 waits out its lock timeout and fails with OperationalError (pymysql.err.OperationalError): "(1205, 'Lock wait timeout exceeded; try restarting transaction')"

    Scenario: Without FOR UPDATE the code's read locks nothing: another connection updates the row at once
      Given the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test reads order 1 without a lock, changes nothing and commits
      Then the code under test kept working
      And while the test is still running, another connection's update of order 1 goes through at once

  @database:mysql
  Rule: At MySQL/MariaDB's default REPEATABLE READ, a locking read of a missing row locks the gap where it would be

    Scenario Outline: At REPEATABLE READ, a locking read of a missing order blocks another connection's inserts into its gap
      Given the test has handed the code the recommended session of sqlalchemy_session_spec, at the database's default
      When the code under test locks order 5, which is not stored, with SELECT ... FOR UPDATE and commits
      Then the code under test kept working
      And while the test is still running, another connection's <change> waits out its lock timeout and fails with OperationalError (pymysql.err.OperationalError): "(1205, 'Lock wait timeout exceeded; try restarting transaction')"

      Examples: The missing order's own id
        | change            |
        | insert of order 5 |

    Scenario: At REPEATABLE READ, another connection's insert before order 1, outside that gap, goes through
      Given the test has handed the code the recommended session of sqlalchemy_session_spec, at the database's default
      When the code under test locks order 5, which is not stored, with SELECT ... FOR UPDATE and commits
      Then the code under test kept working
      And while the test is still running, another connection's insert of order 0 goes through at once

    Scenario: At READ COMMITTED, a locking read of a missing order locks no gap
      Given the test has handed the code the recommended session of sqlalchemy_session_spec, at READ COMMITTED
      When the code under test locks order 5, which is not stored, with SELECT ... FOR UPDATE and commits
      Then the code under test kept working
      And while the test is still running, another connection's insert of order 5 goes through at once

  @database:postgresql
  Rule: PostgreSQL locks only rows that exist: a locking read of a missing row blocks no insert

    Scenario Outline: On PostgreSQL, at every isolation level, a locking read of a missing order locks nothing
      Given the test has handed the code the recommended session of sqlalchemy_session_spec, at <isolation>
      When the code under test locks order 5, which is not stored, with SELECT ... FOR UPDATE and commits
      Then the code under test kept working
      And while the test is still running, another connection's insert of order 5 goes through at once

      Examples:
        | isolation              |
        | the database's default |
        | REPEATABLE READ        |
        | SERIALIZABLE           |

  @database:sqlite
  Rule: SQLite has no row locks: in its default journal mode, the test's transaction, once it has read, holds the whole database against writers
    SQLAlchemy's SQLite dialect leaves FOR UPDATE out of the SELECT it sends. The recommended fixture begins a real
    SQLite transaction (SQLAlchemy's documented pysqlite workaround, which it applies to its engine): its first read
    takes a SHARED lock on the database file, held until the test's outer rollback, and a writer cannot commit while
    a SHARED lock stands. In WAL mode readers do not block writers.

    Scenario Outline: On SQLite, after the code's read, another connection's write waits out its busy timeout
      Given the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test <read> and commits
      Then the code under test's SELECT does not end with FOR UPDATE
      And while the test is still running, another connection's <change> waits out its lock timeout and fails with OperationalError (sqlite3.OperationalError): "database is locked"

      Examples:
        | read                                                           | change            |
        | locks order 1 with SELECT ... FOR UPDATE, changes nothing      | update of order 1 |
        | reads order 1 without a lock, changes nothing                  | update of order 1 |
        | locks order 5, which is not stored, with SELECT ... FOR UPDATE | insert of order 5 |

    Scenario: On SQLite in WAL mode, the test's read holds nothing against a writer
      Given the SQLite database file is in WAL mode
      And the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test locks order 1 with SELECT ... FOR UPDATE, changes nothing and commits
      Then the code under test kept working
      And while the test is still running, another connection's update of order 1 goes through at once

  Rule: The test's outer rollback releases what its transaction held: the other connection's wait is over

    Scenario: After the test's outer rollback, another connection updates the row the code locked at once
      Given the test has handed the code the recommended session of sqlalchemy_session_spec
      When the code under test locks order 1 with SELECT ... FOR UPDATE, changes nothing and commits
      Then the code under test kept working
      And after the test's outer rollback, another connection's update of order 1 goes through at once
