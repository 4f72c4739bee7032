@savepoint_rollback
Feature: The recommended transactional fixture, on every version
  sqlalchemy_session_spec, the pytest plugin this project recommends to other projects (plugin/), rests on
  rolled_back_session(engine) and, for asyncio, rolled_back_async_session(async_engine); its fixtures
  (rollback_session, async_rollback_session, ...) join the same way. It keeps the outer transaction as an
  object and gives the code under test a savepoint for every transaction it begins: join_transaction_mode create_savepoint since 2.0, the connection-level
  savepoint recipe on 1.4 (which has no join modes). These scenarios run the exported functions themselves,
  with a Session and with an AsyncSession, on every supported SQLAlchemy line.

  Background:
    Given order 1 is stored in the state start
    And the test has handed the code the recommended session of sqlalchemy_session_spec

  Rule: Whatever the code under test does with its transaction, nothing survives the test

    Scenario Outline: With the recommended session, the code under test <action>
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

      Examples:
        | action                                                          |
        | commits a new order                                             |
        | rolls back, then goes on to commit                              |
        | flushes a new order, then rolls back                            |
        | commits a nested savepoint, then commits                        |
        | rolls back a nested savepoint, then commits                     |
        | hits a duplicate key at flush, rolls back and goes on to commit |
        | commits a nested savepoint, then commits twice                  |
        | begins a nested savepoint and commits the session               |
        | commits inside a with session.begin() block                     |

  @database:postgresql,mysql
  Rule: Row locks taken by the code under test are held until the test ends, not released by its commit
    PostgreSQL's and InnoDB's (MySQL/MariaDB): SQLite has no row locks (it locks the whole database file, and
    refuses SELECT ... FOR UPDATE).

    Scenario: With the recommended session, the code under test locks a row and commits
      When the code under test locks order 1 with SELECT ... FOR UPDATE and commits to release it
      Then the code under test kept working
      And another connection cannot lock order 1 while the test is still running
      And after the test's outer rollback, another connection finds the database clean
