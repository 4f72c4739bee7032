@request_boundary
Feature: A failed flush poisons a scoped session that is never removed
  When a flush fails (here the database refuses a second employee 42 with an IntegrityError), the
  Session rolls its transaction back and then refuses every further use with PendingRollbackError
  until someone calls rollback(): it will not guess whether the caller wants to go on without the
  changes that failed. A request that lets the IntegrityError escape without a rollback leaves its
  session in that state. If the scoped session is never removed, the next request on the same thread
  gets that session back, and so does every request after it, until the thread dies.

  The text is the same on 1.4, 2.0 and 2.1 ("This Session's transaction has been rolled back due to a
  previous exception during flush. To begin a new transaction with this Session, first issue
  Session.rollback()."), followed by the original error and a link whose path names the line
  (sqlalche.me/e/14, /e/20, /e/21).

  The preconditions: the flush failed, nothing rolled the session back, the session was never
  removed, and the later request runs on the same thread. Each has its counter-scenario.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: A never-removed session refuses every later request on its thread until it is rolled back

    Scenario: Never removed, every later request on the thread fails with PendingRollbackError
      Given a Flask application whose scoped session is never removed
      And a request that stored employee 42 a second time has failed with an IntegrityError
      When 3 later requests on the same thread ask for employee 42
      Then each of the 3 requests failed with PendingRollbackError: "This Session's transaction has been rolled back due to a previous exception during flush. To begin a new transaction with this Session, first issue Session.rollback()."
      And the request sent no SQL

    Scenario: Removed at teardown, the request after the failure reads normally
      Given a Flask application whose scoped session is removed at the end of each request
      And a request that stored employee 42 a second time has failed with an IntegrityError
      When 3 later requests on the same thread ask for employee 42
      Then each of the 3 requests showed the email old@corp.example

    Scenario: Rolled back when the request failed, the session goes on, even though it is never removed
      Given a Flask application whose scoped session is never removed
      And the application rolls back its session at the end of a request that failed
      And a request that stored employee 42 a second time has failed with an IntegrityError
      When 3 later requests on the same thread ask for employee 42
      Then each of the 3 requests showed the email old@corp.example

    Scenario: Another thread has a session of its own, and is not poisoned
      Given a Flask application whose scoped session is never removed
      And a request that stored employee 42 a second time has failed with an IntegrityError
      When another server thread serves a request for employee 42
      Then the response shows the email old@corp.example

    Scenario: Without a failed flush, the never-removed session serves the next request
      Given a Flask application whose scoped session is never removed
      And employee 42 has been served by a request
      When 3 later requests on the same thread ask for employee 42
      Then each of the 3 requests showed the email old@corp.example

  Rule: rollback() or close() on the same thread lifts the refusal; nothing else does

    Scenario: The same thread reads again, without a rollback
      Given a scoped session
      And an earlier request on this thread failed to flush a second employee 42
      When the same thread reads employee 42 through its scoped session
      Then SQLAlchemy refused it with PendingRollbackError: "To begin a new transaction with this Session, first issue Session.rollback()."

    Scenario Outline: The same thread ends its transaction, then reads
      Given a scoped session
      And an earlier request on this thread failed to flush a second employee 42
      When the same thread <step>, then reads employee 42
      Then the email read is old@corp.example

      Examples:
        | step               |
        | rolls back         |
        | closes its session |

    Scenario: A commit does not lift it
      Given a scoped session
      And an earlier request on this thread failed to flush a second employee 42
      When the same thread commits, then reads employee 42
      Then SQLAlchemy refused it with PendingRollbackError: "To begin a new transaction with this Session, first issue Session.rollback()."

  Rule: Over HTTP, under gunicorn's threaded worker, the poisoned session answers every later request with an error

    Scenario: Never removed, the read after the failed request fails with PendingRollbackError
      Given the HR application is served over HTTP by gunicorn with --threads 1, errors as JSON:
        | scoped session removed at teardown | no |
      And storing employee 42 a second time over HTTP has failed with an IntegrityError
      When employee 42 is read over HTTP
      Then the HTTP request failed with PendingRollbackError: "This Session's transaction has been rolled back due to a previous exception during flush."

    Scenario: Removed at teardown, the read after the failed request is answered
      Given the HR application is served over HTTP by gunicorn with --threads 1, errors as JSON:
        | scoped session removed at teardown | yes |
      And storing employee 42 a second time over HTTP has failed with an IntegrityError
      When employee 42 is read over HTTP
      Then the HTTP response shows the email old@corp.example

  Rule: Under the recommended test fixture the code under test sees the same refusal, and the same cure

    The recommended session (sqlalchemy_session_spec's rolled_back_session: join_transaction_mode
    create_savepoint since 2.0, the connection-level savepoint recipe on 1.4) runs the code's
    transactions as savepoints. A failed flush rolls back to the savepoint, and the Session refuses
    work just as it does outside a test: a test does not hide a missing rollback. Once the code rolls
    back, it goes on inside the test's transaction.

    Scenario: Under the recommended fixture, code that does not roll back is refused
      Given the code under test has been handed the recommended session, sqlalchemy_session_spec's rolled_back_session
      And the code under test's flush of a second employee 42 has failed
      When the code under test reads employee 42
      Then SQLAlchemy refused it with PendingRollbackError: "This Session's transaction has been rolled back due to a previous exception during flush. To begin a new transaction with this Session, first issue Session.rollback()."

    Scenario: Under the recommended fixture, code that rolls back goes on inside the test's transaction
      Given the code under test has been handed the recommended session, sqlalchemy_session_spec's rolled_back_session
      And the code under test's flush of a second employee 42 has failed
      And the code under test has rolled back
      When the code under test reads employee 42
      Then the email read is old@corp.example
      And the read sent no BEGIN: it ran inside the test's transaction
