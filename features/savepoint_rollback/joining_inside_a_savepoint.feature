@savepoint_rollback
Feature: Joining a connection that is already inside a savepoint
  Some fixtures begin a SAVEPOINT on the test's connection (connection.begin_nested()) before they hand it to
  the Session, for example to share one outer transaction between several layers of fixtures. Whether the
  Session then treats that savepoint as its own decides what a rollback by the code under test reaches.

  Since 2.0 the default, conditional_savepoint, looks at the connection: outside a savepoint it joins the outer
  transaction as rollback_only does; inside one it begins savepoints of its own, as create_savepoint does.
  Every action of the join_transaction_mode matrix is run here, inside the test's savepoint (on 1.4 all but
  "begins a nested savepoint and commits the session", where the classic Session and the AsyncSession part
  ways: see committing_the_session_inside_a_savepoint).

  Background:
    Given order 1 is stored in the state start
    And the test has kept its outer transaction as an object
    And the test's connection is already inside a savepoint

  Rule: Since 2.0, the default join inside a savepoint gives the code savepoints of its own

    @sqlalchemy:>=2.0
    Scenario Outline: Inside a savepoint, under <mode>, the code under test <action>
      Given the test has handed the code a session joined with join_transaction_mode <mode>
      When the code under test <action>
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples: The default now behaves as create_savepoint
        | mode                  | action                                                          | control                                                    | afterwards         |
        | conditional_savepoint | commits a new order                                             | SAVEPOINT, RELEASE                                         | the database clean |
        | conditional_savepoint | rolls back, then goes on to commit                              | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | conditional_savepoint | flushes a new order, then rolls back                            | SAVEPOINT, ROLLBACK TO                                     | the database clean |
        | conditional_savepoint | commits a nested savepoint, then commits                        | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | conditional_savepoint | commits a nested savepoint, then commits twice                  | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE, SAVEPOINT, RELEASE | the database clean |
        | conditional_savepoint | rolls back a nested savepoint, then commits                     | SAVEPOINT, SAVEPOINT, ROLLBACK TO, RELEASE                 | the database clean |
        | conditional_savepoint | hits a duplicate key at flush, rolls back and goes on to commit | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | conditional_savepoint | begins a nested savepoint and commits the session               | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | conditional_savepoint | commits inside a with session.begin() block                     | SAVEPOINT, RELEASE                                         | the database clean |
        | create_savepoint      | commits a new order                                             | SAVEPOINT, RELEASE                                         | the database clean |
        | create_savepoint      | rolls back, then goes on to commit                              | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | create_savepoint      | flushes a new order, then rolls back                            | SAVEPOINT, ROLLBACK TO                                     | the database clean |
        | create_savepoint      | commits a nested savepoint, then commits                        | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | create_savepoint      | commits a nested savepoint, then commits twice                  | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE, SAVEPOINT, RELEASE | the database clean |
        | create_savepoint      | rolls back a nested savepoint, then commits                     | SAVEPOINT, SAVEPOINT, ROLLBACK TO, RELEASE                 | the database clean |
        | create_savepoint      | hits a duplicate key at flush, rolls back and goes on to commit | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE                 | the database clean |
        | create_savepoint      | begins a nested savepoint and commits the session               | SAVEPOINT, SAVEPOINT, RELEASE, RELEASE                     | the database clean |
        | create_savepoint      | commits inside a with session.begin() block                     | SAVEPOINT, RELEASE                                         | the database clean |

      Examples: rollback_only takes the test's savepoint as the session's transaction: a rollback ends it, a commit does nothing
        | mode          | action                                                          | control                | afterwards         |
        | rollback_only | commits a new order                                             | nothing                | the database clean |
        | rollback_only | rolls back, then goes on to commit                              | ROLLBACK TO            | the database clean |
        | rollback_only | flushes a new order, then rolls back                            | ROLLBACK TO            | the database clean |
        | rollback_only | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE     | the database clean |
        | rollback_only | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE     | the database clean |
        | rollback_only | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO | the database clean |
        | rollback_only | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK TO            | the database clean |
        | rollback_only | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE     | the database clean |
        | rollback_only | commits inside a with session.begin() block                     | nothing                | the database clean |

      Examples: control_fully takes the test's savepoint as the session's transaction: the first commit releases it, the next one commits the outer transaction
        | mode          | action                                                          | control                             | afterwards            |
        | control_fully | commits a new order                                             | RELEASE                             | the database clean    |
        | control_fully | rolls back, then goes on to commit                              | ROLLBACK TO, COMMIT                 | order 3 leaked        |
        | control_fully | flushes a new order, then rolls back                            | ROLLBACK TO                         | the database clean    |
        | control_fully | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE, RELEASE         | the database clean    |
        | control_fully | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE, RELEASE, COMMIT | orders 2 and 3 leaked |
        | control_fully | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO, RELEASE     | the database clean    |
        | control_fully | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK TO, COMMIT                 | order 3 leaked        |
        | control_fully | begins a nested savepoint and commits the session               | SAVEPOINT, RELEASE, RELEASE         | the database clean    |
        | control_fully | commits inside a with session.begin() block                     | RELEASE                             | the database clean    |

  Rule: Before 2.0, the default join inside a savepoint behaves as rollback_only: it ends the test's savepoint

    @sqlalchemy:<2.0
    Scenario Outline: Before 2.0, inside a savepoint, joined the default way, the code under test <action>
      Given the test has handed the code a session joined the default way
      When the code under test <action>
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples:
        | action                                                          | control                         | afterwards         |
        | commits a new order                                             | RELEASE                         | the database clean |
        | rolls back, then goes on to commit                              | ROLLBACK TO                     | the database clean |
        | flushes a new order, then rolls back                            | ROLLBACK TO                     | the database clean |
        | commits a nested savepoint, then commits                        | SAVEPOINT, RELEASE, RELEASE     | the database clean |
        | commits a nested savepoint, then commits twice                  | SAVEPOINT, RELEASE, RELEASE     | the database clean |
        | rolls back a nested savepoint, then commits                     | SAVEPOINT, ROLLBACK TO, RELEASE | the database clean |
        | hits a duplicate key at flush, rolls back and goes on to commit | ROLLBACK TO                     | the database clean |
        | commits inside a with session.begin() block                     | RELEASE                         | the database clean |
