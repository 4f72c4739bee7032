@request_boundary
Feature: A scoped session outlives its request unless it is removed
  A scoped_session is a registry of one Session per thread. Every call from a thread hands back the
  same Session until Session.remove() is called; the registry knows nothing about requests. A web
  application that never removes it carries that Session into the next request the same thread
  serves, with its identity map and its still-open transaction.

  An identity-map hit needs the object to still exist: the identity map holds loaded objects only
  weakly, so the stale read below needs something else (here, the application) to keep the
  employee referenced between requests.

  On MySQL/MariaDB the default isolation is REPEATABLE READ: the never-removed session's transaction reads the
  snapshot its first request's read took, so an employee nothing references any more is read again with a SELECT,
  and that SELECT still returns the old row. Only ending the transaction (here, remove() at teardown) reads the new
  one there.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: Without removal, a later request on the same thread is answered from the identity map

    Scenario: A referenced employee is served stale, and no SQL is sent for it
      Given a Flask application whose scoped session is never removed
      And the application holds on to the employees it has served
      And employee 42 has been served by a request
      And another connection has committed the email new@corp.example for employee 42
      When a later request on the same thread asks for employee 42
      Then the response shows the email old@corp.example
      And the request sent no SQL

    @database:postgresql,sqlite
    Scenario: An employee nothing references any more is read again, and is fresh
      Given a Flask application whose scoped session is never removed
      And employee 42 has been served by a request
      And another connection has committed the email new@corp.example for employee 42
      When a later request on the same thread asks for employee 42
      Then the response shows the email new@corp.example
      And the request sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB, an employee nothing references any more is read again, and is stale: the transaction keeps its snapshot
      Given a Flask application whose scoped session is never removed
      And employee 42 has been served by a request
      And another connection has committed the email new@corp.example for employee 42
      When a later request on the same thread asks for employee 42
      Then the response shows the email old@corp.example
      And the request sent one SELECT of employee 42

  Rule: Removing the session at the end of each request makes the next request read the database

    Scenario: Removed at teardown, the session's successor reads the committed email
      Given a Flask application whose scoped session is removed at the end of each request
      And the application holds on to the employees it has served
      And employee 42 has been served by a request
      And another connection has committed the email new@corp.example for employee 42
      When a later request on the same thread asks for employee 42
      Then the response shows the email new@corp.example
      And the request sent one SELECT of employee 42
