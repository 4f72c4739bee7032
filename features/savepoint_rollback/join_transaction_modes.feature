@savepoint_rollback @sqlalchemy:>=2.0 @every_sync_driver
Feature: What each join_transaction_mode does with the code under test's transactions
  A test opens a connection, begins an outer transaction on it, hands the code under test a Session bound to
  that connection, and rolls the outer transaction back when the test ends. join_transaction_mode (new in 2.0)
  decides what the Session does with the transaction it finds already begun on the connection:

  - conditional_savepoint, the default: join the outer transaction as it is (no savepoint, since the connection
    is not inside one). A commit by the code does nothing; a rollback by the code rolls back the outer
    transaction itself, and the code's next commit then runs in a new transaction that is really committed.
  - create_savepoint: begin a SAVEPOINT for the Session's transaction. The code's commits release it, its
    rollbacks roll back to it, and the outer rollback undoes everything. This is what
    sqlalchemy_session_spec.rolled_back_session uses, and the rows marked "recommended" run exactly that fixture.
  - rollback_only: like the default here; a commit does nothing and a rollback ends the outer transaction.
  - control_fully: the Session owns the outer transaction: its commit is a real COMMIT.

  Each scenario runs with a Session on psycopg2, with a Session on psycopg 3 (postgresql+psycopg) and with an
  AsyncSession on asyncpg; all three send the same statements and leave the same rows. On SQLite it runs with a
  Session on pysqlite and an AsyncSession on aiosqlite, with the same outcomes, given SQLAlchemy's documented pysqlite
  SAVEPOINT workaround (the last rule shows it taken away). On MySQL/MariaDB it runs with a Session on PyMySQL and
  an AsyncSession on aiomysql, with the same statements and outcomes: InnoDB's SAVEPOINT, RELEASE SAVEPOINT and
  ROLLBACK TO SAVEPOINT act as PostgreSQL's under every mode, and a row lock outlives a released savepoint there too.
  The test keeps its outer transaction as an object (the context-manager form is its own feature). Order 1 was
  stored before the test began; "clean" means another connection finds only order 1, in its state start, and
  "order 3 leaked" that exactly order 3 is there besides it.

  The duplicate key is real: the code adds order 1 again, the database refuses the INSERT (PostgreSQL also aborts
  the transaction), and the code rolls back as its except block would. A commit inside "with session.begin():"
  ends the block's transaction early, and the end of the block has nothing left to commit.

  Background:
    Given order 1 is stored in the state start
    And the test has kept its outer transaction as an object

  Rule: Only create_savepoint keeps the database clean whatever the code under test does with its transaction

    Scenario Outline: The code under test <action>
      Given the test has handed the code <the session>
      When the code under test <action>
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples: conditional_savepoint (the default): a rollback by the code ends the test's own transaction
        | the session                                                       | action                                                          | control                 | afterwards         |
        | a session joined with join_transaction_mode conditional_savepoint | commits a new order                                             | nothing                 | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | rolls back, then goes on to commit                              | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | a session joined with join_transaction_mode conditional_savepoint | flushes a new order, then rolls back                            | ROLLBACK                | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO  | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | a session joined with join_transaction_mode conditional_savepoint | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode conditional_savepoint | commits inside a with session.begin() block                     | nothing                 | the database clean |

      Examples: create_savepoint, recommended: every transaction of the code is a savepoint inside the test's
        | the session                                        | action                                                          | control                                                    | afterwards         |
        | the recommended session of sqlalchemy_session_spec | commits a new order                                             | SAVEPOINT, RELEASE                                         | the database clean |
        | the recommended session of sqlalchemy_session_spec | rolls back, then goes on to commit                              | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | the recommended session of sqlalchemy_session_spec | flushes a new order, then rolls back                            | SAVEPOINT, ROLLBACK TO                                     | the database clean |
        | the recommended session of sqlalchemy_session_spec | commits a nested savepoint, then commits                        | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | the recommended session of sqlalchemy_session_spec | commits a nested savepoint, then commits twice                  | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE, SAVEPOINT, RELEASE | the database clean |
        | the recommended session of sqlalchemy_session_spec | rolls back a nested savepoint, then commits                     | SAVEPOINT, SAVEPOINT, ROLLBACK TO, RELEASE                 | the database clean |
        | the recommended session of sqlalchemy_session_spec | hits a duplicate key at flush, rolls back and goes on to commit | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | the recommended session of sqlalchemy_session_spec | begins a nested savepoint and commits the session               | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | the recommended session of sqlalchemy_session_spec | commits inside a with session.begin() block                     | SAVEPOINT, RELEASE                                         | the database clean |

      Examples: rollback_only: as the default when the connection is not inside a savepoint
        | the session                                               | action                                                          | control                 | afterwards         |
        | a session joined with join_transaction_mode rollback_only | commits a new order                                             | nothing                 | the database clean |
        | a session joined with join_transaction_mode rollback_only | rolls back, then goes on to commit                              | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | a session joined with join_transaction_mode rollback_only | flushes a new order, then rolls back                            | ROLLBACK                | the database clean |
        | a session joined with join_transaction_mode rollback_only | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode rollback_only | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode rollback_only | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO  | the database clean |
        | a session joined with join_transaction_mode rollback_only | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | a session joined with join_transaction_mode rollback_only | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE      | the database clean |
        | a session joined with join_transaction_mode rollback_only | commits inside a with session.begin() block                     | nothing                 | the database clean |

      Examples: control_fully: the code's commit is a real COMMIT of the test's transaction
        | the session                                               | action                                                          | control                                   | afterwards            |
        | a session joined with join_transaction_mode control_fully | commits a new order                                             | COMMIT                                    | order 2 leaked        |
        | a session joined with join_transaction_mode control_fully | rolls back, then goes on to commit                              | ROLLBACK, BEGIN, COMMIT                   | order 3 leaked        |
        | a session joined with join_transaction_mode control_fully | flushes a new order, then rolls back                            | ROLLBACK                                  | the database clean    |
        | a session joined with join_transaction_mode control_fully | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE, COMMIT                | order 2 leaked        |
        | a session joined with join_transaction_mode control_fully | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE, COMMIT, BEGIN, COMMIT | orders 2 and 3 leaked |
        | a session joined with join_transaction_mode control_fully | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO, COMMIT            | order 3 leaked        |
        | a session joined with join_transaction_mode control_fully | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK, BEGIN, COMMIT                   | order 3 leaked        |
        | a session joined with join_transaction_mode control_fully | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE, COMMIT                | order 2 leaked        |
        | a session joined with join_transaction_mode control_fully | commits inside a with session.begin() block                     | COMMIT                                    | order 2 leaked        |

  @database:postgresql,mysql
  Rule: A row lock the code under test takes is held until the test's outer rollback, unless the commit is real

    PostgreSQL's and InnoDB's (MySQL/MariaDB): SQLite has no row locks (it locks the whole database file, and
    refuses SELECT ... FOR UPDATE).
    The code locks order 1 with SELECT ... FOR UPDATE, changes it and commits, expecting the commit to release
    the lock. Inside the test only a real COMMIT or ROLLBACK of the outer transaction releases a row lock;
    releasing a savepoint does not. Another connection trying to lock the row in the meantime would wait, so
    it asks with NOWAIT.

    Scenario Outline: The code under test locks a row and commits, under <mode>
      Given the test has handed the code a session joined with join_transaction_mode <mode>
      When the code under test locks order 1 with SELECT ... FOR UPDATE and commits to release it
      Then the code under test kept working
      And another connection <can or cannot> lock order 1 while the test is still running
      And after the test's outer rollback, another connection finds <afterwards>

      Examples: The lock outlives the code's commit
        | mode                  | can or cannot | afterwards         |
        | conditional_savepoint | cannot        | the database clean |
        | create_savepoint      | cannot        | the database clean |
        | rollback_only         | cannot        | the database clean |

      Examples: control_fully releases the lock with a real COMMIT, and the change stays
        | mode          | can or cannot | afterwards                 |
        | control_fully | can           | order 1 in the state ready |

  @database:sqlite
  Rule: On SQLite, the test's transaction holds a SAVEPOINT only with SQLAlchemy's documented pysqlite workaround
    pysqlite (and aiosqlite, which wraps it) sends no BEGIN before a SELECT or a SAVEPOINT: a savepoint the code
    under test begins first stands outside any transaction, and what it releases is committed at once, beyond the
    reach of the test's outer rollback. SQLAlchemy's SQLite dialect documents the workaround (turn pysqlite's own
    BEGIN off, send BEGIN when SQLAlchemy begins); the take-home plugin applies it to the engines of its fixtures,
    and the scenarios' engines on SQLite have it, except where a scenario says otherwise.

    Scenario: On SQLite without the workaround, a nested savepoint the code under test commits outlives the test
      Given the session's connections to SQLite lack the SAVEPOINT workaround
      And the test has handed the code a session joined with join_transaction_mode conditional_savepoint
      When the code under test commits a nested savepoint, then commits
      Then the code under test kept working
      And the transaction control it sent was SAVEPOINT, RELEASE
      And after the test's outer rollback, another connection finds order 2 leaked

    Scenario: On SQLite with the workaround, the same savepoint is rolled back with the test
      Given the test has handed the code a session joined with join_transaction_mode conditional_savepoint
      When the code under test commits a nested savepoint, then commits
      Then the code under test kept working
      And the transaction control it sent was SAVEPOINT, RELEASE
      And after the test's outer rollback, another connection finds the database clean
