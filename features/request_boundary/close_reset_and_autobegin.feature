@request_boundary
Feature: close() against reset(), close_resets_only, and autobegin=False as a request-boundary guard
  Ending a request's session means ending its transaction and emptying its identity map. close() does
  both: it rolls back, returns the connection to the pool and detaches every object, and the same Session
  object can be used again afterwards, beginning a new transaction on its next use. That reuse is what a
  scoped session's registry relies on when a request closes its session without remove().

  SQLAlchemy 2.0.22 added reset(), which does the same, and close_resets_only: the default (True) keeps
  close() as a reset; close_resets_only=False makes close() final, so that a session closed at the end of
  a request cannot be used by accident afterwards, while reset() still only resets. The default is the
  same on 2.0 and 2.1. SQLAlchemy 1.4 has neither: these scenarios are not applicable there, and its own
  scenarios show the refusal.

  autobegin=False (2.0 and later) turns the Session's implicit BEGIN off: every transaction starts with
  session.begin(), and a read outside one is refused instead of opening a transaction that outlives the
  request. The counter-scenario shows the default, autobegin on, doing exactly that.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: close() ends the transaction and detaches the objects, and the session can be used again

    Scenario: After close(), the next read begins a new transaction and loads the row again
      Given a request's session has read employee 42
      When the session is closed, then reads employee 42 again
      Then the email read is old@corp.example
      And the read sent ROLLBACK, then BEGIN, then one SELECT of employee 42
      And the employee read before the ending is detached

    @sqlalchemy:>=2.0.22
    Scenario: Since 2.0.22, reset() does what close() does by default
      Given a request's session has read employee 42
      When the session is reset, then reads employee 42 again
      Then the email read is old@corp.example
      And the read sent ROLLBACK, then BEGIN, then one SELECT of employee 42
      And the employee read before the ending is detached

    @sqlalchemy:<2.0.22
    Scenario: Before 2.0.22, a Session has no reset()
      Given a request's session has read employee 42
      When the session is reset, then reads employee 42 again
      Then SQLAlchemy refused it with AttributeError: "object has no attribute 'reset'"

  Rule: With close_resets_only=False, close() is final and reset() is the way to reuse a session

    @sqlalchemy:>=2.0.22
    Scenario: close_resets_only=False: a closed session refuses the next read
      Given a request's session made with close_resets_only=False has read employee 42
      When the session is closed, then reads employee 42 again
      Then SQLAlchemy refused it with InvalidRequestError: "This Session has been permanently closed and is unable to handle any more transaction requests."
      And the employee read before the ending is detached

    @sqlalchemy:>=2.0.22
    Scenario: close_resets_only=False: a reset session reads again
      Given a request's session made with close_resets_only=False has read employee 42
      When the session is reset, then reads employee 42 again
      Then the email read is old@corp.example
      And the read sent ROLLBACK, then BEGIN, then one SELECT of employee 42

    @sqlalchemy:<2.0.22
    Scenario: Before 2.0.22, close_resets_only is refused
      When a session is made with close_resets_only=False
      Then SQLAlchemy refused it with TypeError: "unexpected keyword argument 'close_resets_only'"

  Rule: With autobegin=False a request that forgot to begin is refused, instead of opening a transaction that outlives it

    The earlier request began and ended its transaction explicitly; another connection then committed a
    new email; the application still references the employee, so the identity map still holds it.

    @sqlalchemy:>=2.0
    Scenario: autobegin=False: a read without begin() is refused, even one the identity map could answer
      Given a scoped session made with autobegin=False
      And an earlier request on this thread read employee 42 inside session.begin()
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then SQLAlchemy refused it with InvalidRequestError: "Autobegin is disabled on this Session; please call session.begin() to start a new transaction"
      And the read sent no SQL

    @sqlalchemy:>=2.0
    Scenario: autobegin=False: with begin(), the read is fresh and the transaction ends with the block
      Given a scoped session made with autobegin=False
      And an earlier request on this thread read employee 42 inside session.begin()
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 inside session.begin()
      Then the email read is new@corp.example
      And the thread's session is not left inside a transaction

    Scenario: With autobegin (the default), the forgotten begin opens a transaction the session keeps
      Given a scoped session
      And an earlier request on this thread read employee 42 inside session.begin()
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is new@corp.example
      And the thread's session is left inside a transaction

    @sqlalchemy:<2.0
    Scenario: Before 2.0, autobegin is refused
      When a session is made with autobegin=False
      Then SQLAlchemy refused it with TypeError: "unexpected keyword argument 'autobegin'"
