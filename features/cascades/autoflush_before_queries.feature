@cascades
Feature: Autoflush before queries
  With autoflush on (the default), the Session flushes its pending changes before it runs a query, so
  the query sees them. Before 2.1 it did so only for statements that involve ORM entities; a textual
  statement or a Core statement on a Table ran without flushing, and did not see pending objects.
  SQLAlchemy 2.1 made autoflush unconditional: every statement executed through the Session flushes first.
  A statement sent on the Session's connection (session.connection().exec_driver_sql(...)) does not go
  through the Session at all, and never flushes, 2.1 included.

  Background:
    Given user 1 is stored
    And a session has loaded user 1
    And the session holds a pending new user 2

  Rule: An ORM query flushes pending changes first, on every version

    Scenario: Querying the mapped class
      When the session runs an ORM query for all users
      Then the query sent these statements, in order:
        | INSERT | users |
        | SELECT | users |
      And the query counted 2 users

  Rule: Before 2.1, textual and Core statements run without flushing

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a textual query does not see the pending user
      When the session runs the textual query "SELECT count(*) FROM users"
      Then the query sent these statements, in order:
        | SELECT | users |
      And the query counted 1 users

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a Core query on the table does not see the pending user
      When the session runs a Core query on the users table
      Then the query sent these statements, in order:
        | SELECT | users |
      And the query counted 1 users

  Rule: Since 2.1, every statement executed through the Session flushes first

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, a textual query flushes and sees the pending user
      When the session runs the textual query "SELECT count(*) FROM users"
      Then the query sent these statements, in order:
        | INSERT | users |
        | SELECT | users |
      And the query counted 2 users

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, a Core query on the table flushes and sees the pending user
      When the session runs a Core query on the users table
      Then the query sent these statements, in order:
        | INSERT | users |
        | SELECT | users |
      And the query counted 2 users

  Rule: A statement sent on the Session's connection, past the Session, never flushes

    Scenario: exec_driver_sql() on the session's connection does not see the pending user, on every version
      When the session runs "SELECT count(*) FROM users" with exec_driver_sql() on its connection
      Then the query sent these statements, in order:
        | SELECT | users |
      And the query counted 1 users
