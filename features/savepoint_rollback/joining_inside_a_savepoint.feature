@savepoint_rollback
Feature: Joining a connection that is already inside a savepoint
  Some fixtures begin a SAVEPOINT on the test's connection (connection.begin_nested()) before they hand it to
  the Session, for example to share one outer transaction between several layers of fixtures. Whether the
  Session then treats that savepoint as its own decides what a rollback by the code under test reaches.

  Since 2.0 the default, conditional_savepoint, looks at the connection: outside a savepoint it joins the outer
  transaction as rollback_only does; inside one it begins savepoints of its own, as create_savepoint does.
  The code under test here rolls back, then goes on to commit.

  Background:
    Given order 1 is stored in the state start
    And the test has kept its outer transaction as an object
    And the test's connection is already inside a savepoint

  Rule: Since 2.0, the default join inside a savepoint gives the code savepoints of its own

    @sqlalchemy:>=2.0
    Scenario Outline: Inside a savepoint, under <mode>, the code rolls back and goes on to commit
      Given the test has handed the code a session joined with join_transaction_mode <mode>
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples: The default now behaves as create_savepoint
        | mode                  | control                                    | afterwards         |
        | conditional_savepoint | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE | the database clean |
        | create_savepoint      | SAVEPOINT, ROLLBACK TO, SAVEPOINT, RELEASE | the database clean |

      Examples: rollback_only rolls back the test's savepoint; the later commit does nothing
        | mode                  | control                                    | afterwards         |
        | rollback_only         | ROLLBACK TO                                | the database clean |

      Examples: control_fully rolls back the test's savepoint; the later commit really commits the outer transaction
        | mode                  | control                                    | afterwards         |
        | control_fully         | ROLLBACK TO, COMMIT                        | order 3 leaked     |

  Rule: Before 2.0, the default join inside a savepoint behaves as rollback_only: it ends the test's savepoint

    @sqlalchemy:<2.0
    Scenario: Before 2.0, inside a savepoint, the default join rolls back to the test's savepoint
      Given the test has handed the code a session joined the default way
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And the transaction control it sent was ROLLBACK TO
      And after the test's outer rollback, another connection finds the database clean
