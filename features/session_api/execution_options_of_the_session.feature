@session_api
Feature: Execution options given to the Session itself
  SQLAlchemy 2.1 lets a Session carry execution options for every statement it executes:
  Session(engine, execution_options={"populate_existing": True}). Before 2.1 the Session has no such argument,
  and Python refuses it as an unexpected keyword.

  In 2.1 the options reach the statements the Session executes, so an entity SELECT overwrites the object the
  identity map holds with the row. Session.get() of an object the identity map already holds executes no
  statement at all: the option has nothing to act on, and get() hands back the object as it was.

  The row is what the session's transaction sees. On MySQL/MariaDB (InnoDB), whose default isolation level is
  REPEATABLE READ, the transaction that loaded the object reads the snapshot its first read took: the SELECT is
  sent, and overwrites the object with the old row.

  Rule: Before 2.1, a Session takes no execution options

    @sqlalchemy:<2.1
    Scenario: Before 2.1, Session(execution_options=...) is refused
      When a session is made with the execution options populate_existing True
      Then making the session is refused with TypeError: "unexpected keyword argument 'execution_options'"

  Rule: Since 2.1, the Session's options reach its statements, but not a get() the identity map answers

    @sqlalchemy:>=2.1 @database:postgresql,sqlite
    Scenario: Since 2.1, an entity SELECT through a session made with populate_existing reads the new email
      Given employee 42 is stored with the email old@corp.example
      And a session made with the execution options populate_existing True has loaded employee 42
      And another connection has committed the email new@corp.example for employee 42
      When that session runs a SELECT of the entity for employee 42
      Then the email read is new@corp.example
      And the query sent one SELECT of employee 42

    @sqlalchemy:>=2.1 @database:mysql
    Scenario: Since 2.1, on MySQL/MariaDB the entity SELECT is sent but reads the old email from the session's snapshot
      Given employee 42 is stored with the email old@corp.example
      And a session made with the execution options populate_existing True has loaded employee 42
      And another connection has committed the email new@corp.example for employee 42
      When that session runs a SELECT of the entity for employee 42
      Then the email read is old@corp.example
      And the query sent one SELECT of employee 42

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, Session.get() through a session made with populate_existing is answered from the identity map
      Given employee 42 is stored with the email old@corp.example
      And a session made with the execution options populate_existing True has loaded employee 42
      And another connection has committed the email new@corp.example for employee 42
      When that session reads employee 42 with Session.get()
      Then the email read is old@corp.example
      And the read sent no SQL
