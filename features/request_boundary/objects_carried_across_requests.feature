@request_boundary
Feature: Objects carried from one request into the next
  An application that removes its session at the end of each request sometimes keeps an object beyond
  it: in a cache, in the user's web session, in a module-level variable. The object is then detached: it
  belongs to no session, and it still shows the values it was loaded with. The next request has to hand it
  to its own session, and each way of doing that treats those values differently:

  - merge() sends a SELECT of the row, then copies every loaded attribute of the carried object onto the
    object it loaded, and returns that one (the carried object stays detached). The carried values win,
    the stale ones included: the merged object shows the old email, and the commit writes it back over the
    row's new one, although nobody changed it;
  - merge(load=False) sends nothing and trusts the carried values as the row's. It refuses an object with
    changes of its own, which it could not tell from the row;
  - add() takes the carried object itself into the session, with no SELECT. Its values stay as they were,
    stale, but only the attributes changed on it are written at the flush;
  - make_transient() makes the object forget that it has a row: added again, it is INSERTed;
  - expunge() is the way out of a session: the object is detached, the session forgets it and reads the
    row again the next time, and changes to the expunged object are never flushed.

  The precondition of every stale value here: the carried object's attributes were loaded and have not
  expired. A request that commits expires them (expire_on_commit is on by default), and a detached object
  with expired attributes has nothing stale to copy. The behaviour is the same on 1.4, 2.0 and 2.1.

  On MySQL/MariaDB, whose default isolation is REPEATABLE READ, a session that read employee 42 and has not ended
  its transaction reads the row again from that transaction's snapshot: after expunge() its SELECT returns the old
  row, not the one another connection committed since.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: merge() loads the row, then copies the carried values over it, the stale ones included

    Scenario: merge() sends a SELECT, and the merged employee shows the carried email, not the row's
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      When the next request's session merges the carried employee 42
      Then the email read is old@corp.example
      And the request sent one SELECT of employee 42
      And the next request's session holds a copy of the carried employee, not the carried object itself

    Scenario: Committed after merge(), the carried email is written back over the new one
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      When the next request's session merges the carried employee 42, then commits
      Then the request sent these statements, in order:
        | SELECT | employees |
        | UPDATE | employees |
      And the UPDATE set email
      And the database holds the email old@corp.example for employee 42

    Scenario: A carried employee renamed after its request: merge() writes the new name and the stale email
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      And the application has renamed the carried employee to Ada Lovelace
      When the next request's session merges the carried employee 42, then commits
      Then the UPDATE set name, email
      And the database holds the email old@corp.example for employee 42

    Scenario: Expired by its request's commit, the carried employee has nothing stale to copy
      Given a request has loaded employee 42 and committed, expiring it, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      When the next request's session merges the carried employee 42, then commits
      Then the email read is new@corp.example
      And the request sent these statements, in order:
        | SELECT | employees |
      And the database holds the email new@corp.example for employee 42

  Rule: merge(load=False) trusts the carried values without a SELECT, and refuses an object with changes

    Scenario: merge(load=False) sends nothing, shows the carried email, and the commit leaves the row alone
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      When the next request's session merges, with load=False, the carried employee 42, then commits
      Then the email read is old@corp.example
      And the request sent no SQL
      And the database holds the email new@corp.example for employee 42

    Scenario: merge(load=False) refuses a carried employee that was changed after its request
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And the application has renamed the carried employee to Ada Lovelace
      When the next request's session merges, with load=False, the carried employee 42
      Then SQLAlchemy refused it with InvalidRequestError: "merge() with load=False option does not support objects marked as 'dirty'.  flush() all changes on mapped instances before merging with load=False."
      And the request sent no SQL

  Rule: add() takes the carried object itself, without a SELECT; only what was changed on it is written

    Scenario: add() sends nothing, the employee keeps its stale email, and the commit writes nothing
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      When the next request's session adds the carried employee 42, then commits
      Then the email read is old@corp.example
      And the request sent no SQL
      And the next request's session holds the carried object itself
      And the database holds the email new@corp.example for employee 42

    Scenario: add() of a carried employee renamed after its request writes the name only
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      And another connection has committed the email new@corp.example for employee 42
      And the application has renamed the carried employee to Ada Lovelace
      When the next request's session adds the carried employee 42, then commits
      Then the request sent these statements, in order:
        | UPDATE | employees |
      And the UPDATE set name
      And the database holds the email new@corp.example for employee 42

  Rule: make_transient() makes the carried object forget its row: added again, it is inserted

    @database:postgresql
    Scenario: Made transient and added, the employee is INSERTed, and the database refuses a second employee 42
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      When the next request's session adds the carried employee 42 made transient, then commits
      Then SQLAlchemy refused it with IntegrityError: "duplicate key value violates unique constraint"
      And the request sent these statements, in order:
        | INSERT | employees |

    @database:sqlite
    Scenario: On SQLite, made transient and added, the employee is INSERTed, and SQLite refuses a second employee 42
      The same refusal, in SQLite's words.
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      When the next request's session adds the carried employee 42 made transient, then commits
      Then SQLAlchemy refused it with IntegrityError: "UNIQUE constraint failed: employees.id"
      And the request sent these statements, in order:
        | INSERT | employees |

    @database:mysql
    Scenario: On MySQL/MariaDB, made transient and added, the employee is INSERTed, and InnoDB refuses a second employee 42
      The same refusal, in MySQL/MariaDB's words.
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      When the next request's session adds the carried employee 42 made transient, then commits
      Then SQLAlchemy refused it with IntegrityError: "Duplicate entry '42' for key 'PRIMARY'"
      And the request sent these statements, in order:
        | INSERT | employees |

    Scenario: Made transient with a new id, the carried values are inserted as a new employee
      Given a request has loaded employee 42 and closed its session, and the application kept the employee
      When the next request's session adds the carried employee 42 made transient with the id 43, then commits
      Then the request sent these statements, in order:
        | INSERT | employees |
      And the database holds the email old@corp.example for employee 43

  Rule: expunge() takes an object out of its session: the session reads the row again, and the object's changes are never flushed

    @database:postgresql,sqlite
    Scenario: After expunge(), the same session reads employee 42 again, fresh
      Given a request's session has read employee 42
      And the request has expunged employee 42 from its session
      And another connection has committed the email new@corp.example for employee 42
      When the same session reads employee 42 again
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB, after expunge(), the same session reads employee 42 again, from its transaction's old snapshot
      Given a request's session has read employee 42
      And the request has expunged employee 42 from its session
      And another connection has committed the email new@corp.example for employee 42
      When the same session reads employee 42 again
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    Scenario: Without expunge(), the same session answers from its identity map, stale
      Given a request's session has read employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same session reads employee 42 again
      Then the email read is old@corp.example
      And the read sent no SQL

    Scenario: An expunged employee renamed afterwards: the commit sends no UPDATE
      Given a request's session has read employee 42
      And the request has expunged employee 42 from its session
      When the employee read is renamed to Ada Lovelace and the session commits
      Then the commit sent no UPDATE
      And the database holds the name Employee 42 for employee 42

    Scenario: Not expunged, the renamed employee is written at the commit
      Given a request's session has read employee 42
      When the employee read is renamed to Ada Lovelace and the session commits
      Then the commit sent these statements, in order:
        | UPDATE | employees |
      And the database holds the name Ada Lovelace for employee 42
