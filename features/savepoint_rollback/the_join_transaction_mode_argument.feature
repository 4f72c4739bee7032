@savepoint_rollback
Feature: The join_transaction_mode argument
  join_transaction_mode is new in SQLAlchemy 2.0. A fixture written for 2.0 that passes it to a 1.4 Session or
  AsyncSession fails before any test runs, with Python's own TypeError for an unknown keyword argument. Since
  2.0 the Session checks the value and refuses a mode it does not know, naming it, so a misspelt mode cannot
  quietly fall back to the default join.

  Rule: Before 2.0, a Session has no join_transaction_mode argument

    @sqlalchemy:<2.0
    Scenario: Before 2.0, join_transaction_mode is an unexpected keyword argument
      When a session is made with join_transaction_mode create_savepoint
      Then making the session is refused with TypeError: "unexpected keyword argument 'join_transaction_mode'"

  Rule: Since 2.0, a known mode is accepted and an unknown one is refused, naming it

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, create_savepoint is accepted
      When a session is made with join_transaction_mode create_savepoint
      Then the session was made

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, a misspelt mode is refused, naming it
      When a session is made with join_transaction_mode create_savepoints
      Then making the session is refused with ArgumentError: "invalid selection for join_transaction_mode: "create_savepoints""
