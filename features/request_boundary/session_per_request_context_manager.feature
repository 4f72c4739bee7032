@request_boundary
Feature: A session per request, closed by a context manager
  The other fix: no registry at all, but a Session opened and closed around each request
  ("with Session(engine) as session:", or "with Session.begin() as session:", which also commits at the
  end of the block). Every request then starts with an empty identity map. Objects the application keeps
  after the block are detached: what it can still read from them depends on whether the request committed.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: A detached object keeps the values it had; once expired by a commit, it cannot load them again

    Scenario: Closed without a commit, the kept object still answers, with the old value and no SQL
      Given an earlier request read employee 42 in a session-per-request context manager
      And that request's context manager closed the session without a commit
      And another connection has committed the email new@corp.example for employee 42
      When the application reads the email of the employee 42 object it kept
      Then the email read is old@corp.example
      And the read sent no SQL

    Scenario: Committed before closing, the kept object is expired and cannot be read
      Given an earlier request read employee 42 in a session-per-request context manager
      And that request committed and its context manager closed the session
      When the application reads the email of the employee 42 object it kept
      Then the read is refused because the employee is detached from its closed session
      And the read sent no SQL

    Scenario: sessionmaker.begin() commits at the end of the block, so the kept object cannot be read
      Given an earlier request read employee 42 inside sessionmaker.begin(), which committed and closed it
      When the application reads the email of the employee 42 object it kept
      Then the read is refused because the employee is detached from its closed session
      And the read sent no SQL
