@savepoint_rollback
Feature: A FastAPI application tested through its overridden session dependency
  The source's setup: the application gets its session from a dependency, and each test overrides that
  dependency with a session joined to the test's outer transaction, drives the application with an HTTP client
  and rolls the outer transaction back afterwards. The shop's checkout adds the order, flushes, and when the
  payment is declined rolls back and records the order as declined, then commits: a rollback followed by a
  commit, inside one request.

  Joined the default way, that rollback ends the test's outer transaction and the declined order is really
  committed: it is still there after the test, for every later test to trip on. The recommended session of
  sqlalchemy_session_spec gives the request savepoints, and nothing survives the test. The source's first fixture,
  an outer transaction opened with "async with connection.begin()", makes the request fail instead.

  Background:
    Given order 1 is stored in the state start

  Rule: Only a session with savepoints for the request keeps a rollback inside the request from leaking

    Scenario Outline: A declined checkout through <the session>
      Given the test has kept its outer transaction as an object
      And the test has handed the code <the session>
      And the shop application's session dependency has been overridden with the test's session
      When a client checks out order 2 and the payment is declined
      Then the shop answered 201 with order 2 in the state declined
      And after the test's outer rollback, another connection finds <afterwards>

      Examples: The default join leaks the declined order
        | the session                      | afterwards                    |
        | a session joined the default way | order 2 in the state declined |

      Examples: The recommended session keeps the database clean
        | the session                                        | afterwards         |
        | the recommended session of sqlalchemy_session_spec | the database clean |

    Scenario: A paid checkout through a session joined the default way leaves nothing behind, as nothing rolled back
      Given the test has kept its outer transaction as an object
      And the test has handed the code a session joined the default way
      And the shop application's session dependency has been overridden with the test's session
      When a client checks out order 2 and the payment is accepted
      Then the shop answered 201 with order 2 in the state paid
      And after the test's outer rollback, another connection finds the database clean

  Rule: An outer transaction opened with a context manager turns the leak into a failed request

    Scenario: A declined checkout through the source's context-managed fixture
      Given the test has opened its outer transaction with a context manager
      And the test has handed the code a session joined the default way
      And the shop application's session dependency has been overridden with the test's session
      When a client checks out order 2 and the payment is declined
      Then the code under test is refused: "Can't operate on closed transaction inside context manager"
      And after the test's outer rollback, another connection finds the database clean
