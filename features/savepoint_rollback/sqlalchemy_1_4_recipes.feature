@savepoint_rollback
Feature: SQLAlchemy 1.4's join and the savepoint recipes of that era
  SQLAlchemy 1.4 has no join_transaction_mode. A Session bound to a connection already in a transaction joins
  it as 2.0's rollback_only does: a commit by the code under test does nothing, a rollback ends the test's outer
  transaction. Two event-based recipes were passed around to give the code savepoints instead:

  - the session-level recipe: session.begin_nested() when the test starts, and an "after_transaction_end"
    listener that begins a new nested transaction of the Session whenever the previous one ends;
  - the connection-level recipe: connection.begin_nested() when the test starts, and the same listener
    beginning a new SAVEPOINT on the connection whenever the old one is no longer active. It is what
    sqlalchemy_session_spec uses on 1.4.

  The session-level recipe relies on the classic (non-future) Session, whose commit inside a nested
  transaction only releases it. A 1.4 Session made with future=True, every AsyncSession, and every Session
  since 2.0 commit the whole session transaction instead, and the recipe no longer protects the database
  from code that rolls back and goes on; code that only commits still leaves nothing behind. Because the
  recipe has begun the Session's transaction before the code runs, "with session.begin():" in the code is
  refused on every version.

  Background:
    Given order 1 is stored in the state start
    And the test has kept its outer transaction as an object

  Rule: Before 2.0, the default join behaves as rollback_only: a rollback by the code ends the test's transaction

    @sqlalchemy:<2.0
    Scenario Outline: Before 2.0, joined the default way, the code under test <action>
      Given the test has handed the code a session joined the default way
      When the code under test <action>
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples:
        | action                                                          | control                 | afterwards         |
        | commits a new order                                             | nothing                 | the database clean |
        | rolls back, then goes on to commit                              | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | flushes a new order, then rolls back                            | ROLLBACK                | the database clean |
        | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE      | the database clean |
        | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO  | the database clean |
        | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK, BEGIN, COMMIT | order 3 leaked     |
        | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE      | the database clean |
        | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE      | the database clean |
        | commits inside a with session.begin() block                     | nothing                 | the database clean |

  Rule: The connection-level recipe keeps the database clean on every version, sync and async

    Scenario Outline: With the connection-level recipe, the code under test <action>
      Given the test has handed the code a session joined with the connection-level savepoint recipe
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

  Rule: The session-level recipe keeps the database clean only with 1.4's classic Session

    @sqlalchemy:<2.0 @sync_only
    Scenario Outline: Before 2.0, with the classic Session and the session-level recipe, the code under test <action>
      Given the test has handed the code a session joined with the session-level savepoint recipe
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

    @sqlalchemy:<2.0
    Scenario Outline: Before 2.0, a future Session with the session-level recipe leaks when the code under test <action>
      Given the test has handed the code a 1.4 future session joined with the session-level savepoint recipe
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds order 3 leaked

      Examples:
        | action                                                          |
        | rolls back, then goes on to commit                              |
        | hits a duplicate key at flush, rolls back and goes on to commit |

    @sqlalchemy:>=2.0
    Scenario Outline: Since 2.0, the session-level recipe leaks when the code under test <action>
      Given the test has handed the code a session joined with the session-level savepoint recipe
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds order 3 leaked

      Examples:
        | action                                                          |
        | rolls back, then goes on to commit                              |
        | hits a duplicate key at flush, rolls back and goes on to commit |

    @sqlalchemy:<2.0
    Scenario Outline: Before 2.0, a future Session with the session-level recipe stays clean when the code under test <action>
      Given the test has handed the code a 1.4 future session joined with the session-level savepoint recipe
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

      Examples:
        | action                                         |
        | commits a new order                            |
        | flushes a new order, then rolls back           |
        | commits a nested savepoint, then commits twice |

    @sqlalchemy:>=2.0
    Scenario Outline: Since 2.0, the session-level recipe stays clean when the code under test <action>
      Given the test has handed the code a session joined with the session-level savepoint recipe
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

      Examples:
        | action                                         |
        | commits a new order                            |
        | flushes a new order, then rolls back           |
        | commits a nested savepoint, then commits twice |

  Rule: The session-level recipe refuses code that opens its transaction with session.begin()

    The recipe begins the Session's nested transaction when the test starts, so the Session is already in a
    transaction when the code under test calls session.begin(), on every version.

    Scenario: With the session-level recipe, code that commits inside a with session.begin() block is refused
      Given the test has handed the code a session joined with the session-level savepoint recipe
      When the code under test commits inside a with session.begin() block
      Then the code under test is refused: "A transaction is already begun on this Session."
      And after the test's outer rollback, another connection finds the database clean
