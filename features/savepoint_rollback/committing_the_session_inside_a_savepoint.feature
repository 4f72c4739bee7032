@savepoint_rollback
Feature: Committing the Session while a nested transaction is still open
  Code that calls session.begin_nested() and then session.commit(), without committing the nested transaction
  first, meant two things over the versions. SQLAlchemy 1.4's classic Session commits the innermost
  transaction: it releases the savepoint and stays in its outer transaction, which nothing has committed.
  A 1.4 Session made with future=True, every AsyncSession and every Session since 2.0 commit the root
  transaction: the savepoint is released and the whole transaction committed.

  The session-level savepoint recipe of the 1.4 era relied on the classic behaviour. Here the Session is bound
  to the Engine, as the application's own would be, with no test transaction around it.

  Background:
    Given order 1 is stored in the state start

  Rule: Before 2.0, the classic Session's commit only releases the savepoint

    @sqlalchemy:<2.0 @sync_only
    Scenario: Before 2.0, the classic Session releases the savepoint and stays in its transaction
      Given the code under test has a session bound to the engine, with no test transaction around it
      When the code under test begins a nested savepoint and commits the session
      Then the code under test kept working
      And the transaction control it sent was BEGIN, SAVEPOINT, RELEASE
      And the code under test's session is still in a transaction
      And another connection finds order 2 missing: the commit was lost

  Rule: A future Session, and every Session since 2.0, commits the root transaction

    @sqlalchemy:<2.0
    Scenario: Before 2.0, a future Session releases the savepoint and commits
      Given the code under test has a 1.4 future session bound to the engine, with no test transaction around it
      When the code under test begins a nested savepoint and commits the session
      Then the code under test kept working
      And the transaction control it sent was BEGIN, SAVEPOINT, RELEASE, COMMIT
      And the code under test's session is not still in a transaction
      And another connection finds order 2 committed

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, the Session releases the savepoint and commits
      Given the code under test has a session bound to the engine, with no test transaction around it
      When the code under test begins a nested savepoint and commits the session
      Then the code under test kept working
      And the transaction control it sent was BEGIN, SAVEPOINT, RELEASE, COMMIT
      And the code under test's session is not still in a transaction
      And another connection finds order 2 committed
