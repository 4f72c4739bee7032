@savepoint_rollback
Feature: An outer transaction kept as an object, or opened with a context manager
  The two fixtures of the source differ in one line. One keeps the outer transaction as an object:

      transaction = connection.begin()
      ... yield session ...
      transaction.rollback()

  The other opens it with a context manager, "with connection.begin() as transaction:", and rolls it back inside
  the block. When the session joins the outer transaction without a savepoint (the default join), a rollback by
  the code under test rolls back that outer transaction. Kept as an object, the ended transaction is silently
  replaced by a new one that the code's next commit really commits. Inside a context manager the connection
  refuses to begin anything until the block ends, so the code's next commit fails with
  "Can't operate on closed transaction inside context manager": loud, but the code under test breaks in the test
  though it is right in production.

  With a savepoint for the code's transactions (join_transaction_mode create_savepoint since 2.0, the
  connection-level recipe on 1.4), the outer transaction is never ended by the code, and both forms work.
  rollback_only fails as the default does; control_fully really commits the outer transaction, block or not.

  Background:
    Given order 1 is stored in the state start

  Rule: Joined the default way, the code's rollback ends the outer transaction: kept, it leaks; context-managed, it fails

    Scenario Outline: Kept as an object, the code <action> and its later commit leaks
      Given the test has kept its outer transaction as an object
      And the test has handed the code a session joined the default way
      When the code under test <action>
      Then the code under test kept working
      And after the test's outer rollback, another connection finds order 3 leaked

      Examples:
        | action                                                          |
        | rolls back, then goes on to commit                              |
        | hits a duplicate key at flush, rolls back and goes on to commit |

    Scenario Outline: Opened with a context manager, the code <action> and its later commit is refused
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined the default way
      When the code under test <action>
      Then the code under test is refused: "Can't operate on closed transaction inside context manager"
      And after the test's outer rollback, another connection finds the database clean

      Examples:
        | action                                                          |
        | rolls back, then goes on to commit                              |
        | hits a duplicate key at flush, rolls back and goes on to commit |

    Scenario: Opened with a context manager, code that only commits works, as the default join never ends the outer transaction on commit
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined the default way
      When the code under test commits a new order
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

  Rule: With a savepoint for the code's transactions, the context-managed form works too

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, create_savepoint inside a context-managed outer transaction
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined with join_transaction_mode create_savepoint
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

    Scenario: The connection-level savepoint recipe inside a context-managed outer transaction, on every version
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined with the connection-level savepoint recipe
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean

  Rule: Since 2.0, rollback_only fails as the default does; control_fully commits the context-managed transaction

    The connection refuses to begin again inside the block once the outer transaction has ended, whatever ended
    it. Under control_fully the code's commit is a real COMMIT of the outer transaction: what it committed stays,
    and a later commit by the code is refused.

    @sqlalchemy:>=2.0
    Scenario Outline: Opened with a context manager, under <mode>, the code <action> and is refused
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined with join_transaction_mode <mode>
      When the code under test <action>
      Then the code under test is refused: "Can't operate on closed transaction inside context manager"
      And after the test's outer rollback, another connection finds <afterwards>

      Examples:
        | mode          | action                                                          | afterwards         |
        | rollback_only | rolls back, then goes on to commit                              | the database clean |
        | rollback_only | hits a duplicate key at flush, rolls back and goes on to commit | the database clean |
        | control_fully | rolls back, then goes on to commit                              | the database clean |
        | control_fully | hits a duplicate key at flush, rolls back and goes on to commit | the database clean |
        | control_fully | commits a nested savepoint, then commits twice                  | order 2 leaked     |

    @sqlalchemy:>=2.0
    Scenario Outline: Opened with a context manager, under <mode>, the code <action> and keeps working
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined with join_transaction_mode <mode>
      When the code under test <action>
      Then the code under test kept working
      And the transaction control it sent was <control>
      And after the test's outer rollback, another connection finds <afterwards>

      Examples:
        | mode          | action                                      | control                        | afterwards         |
        | rollback_only | commits a new order                         | nothing                        | the database clean |
        | rollback_only | commits a nested savepoint, then commits    | SAVEPOINT, RELEASE             | the database clean |
        | control_fully | commits a new order                         | COMMIT                         | order 2 leaked     |
        | control_fully | rolls back a nested savepoint, then commits | SAVEPOINT, ROLLBACK TO, COMMIT | order 3 leaked     |

  Rule: A teardown that rolls back an outer transaction the code already ended is warned, and changes nothing

    The fixtures of this specification roll the outer transaction back only "if outer.is_active". A teardown
    that calls outer.rollback() regardless, after the code's rollback has ended it, gets SQLAlchemy's warning
    "transaction already deassociated from connection": the warning users see when the default join leaked.
    The leak itself is the same either way.

    Scenario: Joined the default way, a teardown that does not check is warned at the outer rollback
      Given the test has kept its outer transaction as an object
      And the test's teardown rolls back its outer transaction without checking that it is still active
      And the test has handed the code a session joined the default way
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And after the test's outer rollback, another connection finds order 3 leaked
      And the test's outer rollback was warned "transaction already deassociated from connection"

    Scenario: Joined the default way, a teardown that checks is not warned, and the order leaks all the same
      Given the test has kept its outer transaction as an object
      And the test has handed the code a session joined the default way
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And after the test's outer rollback, another connection finds order 3 leaked
      And the test's outer rollback issued no SQLAlchemy warning

    Scenario: With the connection-level savepoint recipe, a teardown that does not check finds its transaction active
      Given the test has kept its outer transaction as an object
      And the test's teardown rolls back its outer transaction without checking that it is still active
      And the test has handed the code a session joined with the connection-level savepoint recipe
      When the code under test rolls back, then goes on to commit
      Then the code under test kept working
      And after the test's outer rollback, another connection finds the database clean
      And the test's outer rollback issued no SQLAlchemy warning
