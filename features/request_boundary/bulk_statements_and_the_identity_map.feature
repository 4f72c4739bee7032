@request_boundary
Feature: Bulk UPDATE and DELETE through a session whose identity map holds the objects
  An UPDATE or DELETE statement run through Session.execute() (or the legacy Query.update() and
  Query.delete()) goes straight to the database: no object is loaded, no unit of work runs, no cascade
  applies. What the session's own objects show afterwards is decided by synchronize_session alone:
  'evaluate' applies the WHERE clause in Python to the objects the identity map holds, 'fetch' has the
  database return the matched primary keys (RETURNING, on PostgreSQL), 'auto' (2.0 and later) tries
  'evaluate' and falls back to 'fetch', and False touches nothing. The default is 'evaluate' on 1.4 and
  'auto' since 2.0; 1.4 does not know 'auto' at all.

  This chapter belongs with the request boundary, not with the cascades: the question is the same as in
  the stale-read chapters, what the identity map serves after the database changed, and here the session
  itself made the change. The precondition is the same too: the application still references the
  employees the session loaded, so the identity map still holds them.

  On MySQL/MariaDB 'fetch' has no UPDATE ... RETURNING to ask: it SELECTs the matching primary keys before the
  UPDATE (so does a DELETE before SQLAlchemy 2.0; since 2.0 a DELETE on MariaDB has RETURNING, which MySQL lacks).
  At MySQL/MariaDB's default REPEATABLE READ that SELECT is a consistent read of the session's snapshot, taken when
  it loaded the employees, while the UPDATE or DELETE is a locking read of the latest committed rows: a row another
  connection changed since then is changed by the statement and missed by fetch, and the session's object is left
  stale.

  Background:
    Given employee 42 is stored with the email old@corp.example
    And employee 43 is stored with the email other@corp.example
    And a session has loaded employees 42 and 43, which the application still references

  Rule: An UPDATE updates the session's matching objects, unless synchronize_session is False

    Scenario Outline: An UPDATE through the session, by spelling and synchronize_session
      When the session runs <run> setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session <strategy>
      Then the session's employee 42 shows the email <shown>, without loading it again
      And the session's employee 43 shows the email other@corp.example, without loading it again
      And the session's own transaction reads the email new@corp.example in the row of employee 42

      Examples: evaluate, fetch and the default update the object; False leaves it stale
        | run                                 | strategy            | shown            |
        | update() through Session.execute()  | evaluate            | new@corp.example |
        | update() through Session.execute()  | fetch               | new@corp.example |
        | update() through Session.execute()  | left at its default | new@corp.example |
        | update() through Session.execute()  | False               | old@corp.example |
        | the legacy Query.update()           | evaluate            | new@corp.example |
        | the legacy Query.update()           | fetch               | new@corp.example |
        | the legacy Query.update()           | left at its default | new@corp.example |
        | the legacy Query.update()           | False               | old@corp.example |

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, synchronize_session auto evaluates in Python and updates the object
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session auto
      Then the session's employee 42 shows the email new@corp.example, without loading it again
      And the statement sent was one UPDATE, without RETURNING

    @sqlalchemy:<2.0
    Scenario: Before 2.0, synchronize_session auto does not exist
      When the session runs the legacy Query.update() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session auto
      Then SQLAlchemy refused it with ArgumentError: "Valid strategies for session synchronization are 'evaluate', 'fetch', False"
      And no statement was sent

  Rule: evaluate sees only what the session holds; a row that matches only in the database is left stale, except with fetch

    The precondition: another connection changed employee 43 after the session loaded it, so the row
    matches the WHERE clause and the session's object does not. Without it (the rule above) evaluate and
    fetch agree.

    @database:postgresql,sqlite
    Scenario Outline: A row that matches only in the database
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session <strategy>
      Then the session's employee 43 shows the email <shown>, without loading it again
      And the session's own transaction reads the email new@corp.example in the row of employee 43

      Examples: only fetch asks the database which rows it matched
        | strategy            | shown              |
        | fetch               | new@corp.example   |
        | evaluate            | other@corp.example |
        | left at its default | other@corp.example |
        | False               | other@corp.example |

    @database:mysql
    Scenario Outline: On MySQL/MariaDB a row that matches only in the database is left stale, even by fetch
      fetch's SELECT reads the session's snapshot, where employee 43 still has its old email; the UPDATE reads the
      committed row, and changes it.
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session <strategy>
      Then the session's employee 43 shows the email <shown>, without loading it again
      And the session's own transaction reads the email new@corp.example in the row of employee 43

      Examples: fetch asks the snapshot, and the snapshot does not match
        | strategy            | shown              |
        | fetch               | other@corp.example |
        | evaluate            | other@corp.example |
        | left at its default | other@corp.example |
        | False               | other@corp.example |

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, auto evaluates first, and so misses the row that matches only in the database
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session auto
      Then the session's employee 43 shows the email other@corp.example, without loading it again
      And the session's own transaction reads the email new@corp.example in the row of employee 43

    @database:postgresql
    Scenario: fetch gets the matched rows back from the UPDATE itself
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session fetch
      Then the statement sent was one UPDATE, with RETURNING of the ids it matched

    @database:sqlite @sqlalchemy:>=2.0
    Scenario: On SQLite since 2.0, fetch gets the matched rows back from the UPDATE itself
      SQLite has RETURNING since 3.35; SQLAlchemy's SQLite dialect uses it since 2.0.
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session fetch
      Then the statement sent was one UPDATE, with RETURNING of the ids it matched

    @database:mysql
    Scenario: On MySQL/MariaDB, fetch SELECTs the matching rows before the UPDATE
      MySQL and MariaDB have no UPDATE ... RETURNING.
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session fetch
      Then the request sent these statements, in order:
        | SELECT | employees |
        | UPDATE | employees |

    @database:sqlite @sqlalchemy:<2.0
    Scenario: On SQLite before 2.0, fetch SELECTs the matching rows before the UPDATE
      SQLAlchemy 1.4's SQLite dialect sends no RETURNING, so fetch finds the matching primary keys first.
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is old@corp.example, synchronize_session fetch
      Then the request sent these statements, in order:
        | SELECT | employees |
        | UPDATE | employees |

  Rule: A WHERE clause Python cannot evaluate is refused by evaluate, and by the default only before 2.0

    Scenario: evaluate refuses a LIKE, on every version, before sending anything
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is like old%, synchronize_session evaluate
      Then SQLAlchemy refused it with InvalidRequestError: "Could not evaluate current criteria in Python"
      And no statement was sent

    @sqlalchemy:<2.0
    Scenario: Before 2.0, the default is evaluate, so a LIKE is refused
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is like old%, synchronize_session left at its default
      Then SQLAlchemy refused it with InvalidRequestError: "Could not evaluate current criteria in Python"
      And no statement was sent

    @sqlalchemy:>=2.0 @database:postgresql,sqlite
    Scenario: Since 2.0, the default is auto, which falls back to fetch for a LIKE
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is like old%, synchronize_session left at its default
      Then the session's employee 42 shows the email new@corp.example, without loading it again
      And the statement sent was one UPDATE, with RETURNING of the ids it matched

    @sqlalchemy:>=2.0 @database:mysql
    Scenario: Since 2.0, on MySQL/MariaDB the default auto falls back to fetch for a LIKE, which SELECTs the matching rows first
      When the session runs update() through Session.execute() setting the email new@corp.example for the employees whose email is like old%, synchronize_session left at its default
      Then the session's employee 42 shows the email new@corp.example, without loading it again
      And the request sent these statements, in order:
        | SELECT | employees |
        | UPDATE | employees |

  Rule: A DELETE takes the matching objects out of the session, unless synchronize_session is False

    Scenario Outline: A DELETE through the session, by spelling and synchronize_session
      When the session runs <run> for the employees whose email is old@corp.example, synchronize_session <strategy>
      Then the session <held> employee 42
      And the session still holds employee 43
      And the session's own transaction finds no row for employee 42

      Examples: False leaves a deleted row's object in the identity map
        | run                                | strategy            | held            |
        | delete() through Session.execute() | evaluate            | no longer holds |
        | delete() through Session.execute() | fetch               | no longer holds |
        | delete() through Session.execute() | left at its default | no longer holds |
        | delete() through Session.execute() | False               | still holds     |
        | the legacy Query.delete()          | evaluate            | no longer holds |
        | the legacy Query.delete()          | fetch               | no longer holds |
        | the legacy Query.delete()          | left at its default | no longer holds |
        | the legacy Query.delete()          | False               | still holds     |

    @database:postgresql,sqlite
    Scenario Outline: A row deleted that matched only in the database
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs delete() through Session.execute() for the employees whose email is old@corp.example, synchronize_session <strategy>
      Then the session <held> employee 43
      And the session's own transaction finds no row for employee 43

      Examples: only fetch learns that employee 43 is gone
        | strategy | held            |
        | fetch    | no longer holds |
        | evaluate | still holds     |

    @sqlalchemy:<2.0 @database:mysql
    Scenario: On MySQL/MariaDB before 2.0, fetch's SELECT reads the snapshot and misses the row the DELETE removes
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs delete() through Session.execute() for the employees whose email is old@corp.example, synchronize_session fetch
      Then the session still holds employee 43
      And the session's own transaction finds no row for employee 43

    @sqlalchemy:>=2.0 @database:mysql
    Scenario: On MariaDB since 2.0, fetch gets the deleted rows back from the DELETE itself, and learns that employee 43 is gone
      MariaDB has DELETE ... RETURNING, and SQLAlchemy's dialect uses it since 2.0 (MySQL has none: there, fetch
      SELECTs first, as before 2.0).
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs delete() through Session.execute() for the employees whose email is old@corp.example, synchronize_session fetch
      Then the session no longer holds employee 43
      And the session's own transaction finds no row for employee 43
      And the statement sent was one DELETE, with RETURNING of the ids it matched

    @database:mysql
    Scenario: On MySQL/MariaDB, evaluate leaves the deleted row's object in the session
      Given another connection has committed the email old@corp.example for employee 43
      When the session runs delete() through Session.execute() for the employees whose email is old@corp.example, synchronize_session evaluate
      Then the session still holds employee 43
      And the session's own transaction finds no row for employee 43
