@request_boundary
Feature: Refreshing what a long-lived session remembers
  When a session must outlive a request, these are the ways to make it read the database again, and what
  each one guarantees. Each scenario starts from the stale case: an earlier request on the thread loaded
  employee 42, never ended its transaction, and the application still references the object, so a
  plain read would be answered from the identity map. The session runs at the database's default isolation:
  READ COMMITTED on PostgreSQL, SERIALIZABLE on SQLite, where pysqlite began no transaction for the earlier read
  (see when_a_read_is_stale), so on both the other connection's commit goes through and a reload reads it.

  On MySQL/MariaDB the default is REPEATABLE READ: the earlier request's read took its transaction's snapshot,
  and every reload inside that transaction (expire_all(), expire(), refresh(), populate_existing) sends its SELECT
  and reads that snapshot, the old row. There the normal case is the one refreshing_inside_a_repeatable_read_transaction
  shows on PostgreSQL: only ending the transaction (commit, rollback or close) reads the new row.

  Background:
    Given employee 42 is stored with the email old@corp.example
    And a scoped session at the database's default isolation, expire_on_commit on
    And an earlier request on this thread has loaded employee 42
    And the application still references employee 42
    And another connection has committed the email new@corp.example for employee 42

  @database:postgresql,sqlite
  Rule: Expiring the session or refreshing the object reloads it with one SELECT

    Scenario: expire_all() before the read
      When the same thread expires everything in its session and reads employee 42
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    Scenario: expire() of the object before the read
      When the same thread expires employee 42 and reads it
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    Scenario: refresh() of the object
      When the same thread refreshes employee 42 and reads it
      Then the email read is new@corp.example
      And the refresh sent one SELECT of employee 42

  @database:mysql
  Rule: On MySQL/MariaDB, at its default REPEATABLE READ, expiring, refreshing and populate_existing send the SELECT and read the old snapshot

    Scenario Outline: Reloading employee 42 inside the transaction left open, on MySQL/MariaDB
      When the same thread <reloads>
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

      Examples:
        | reloads                                                                                     |
        | expires everything in its session and reads employee 42                                     |
        | expires employee 42 and reads it                                                            |
        | refreshes employee 42 and reads it                                                          |
        | reads employee 42 with "Query.populate_existing()"                                          |
        | reads employee 42 with "Session.get(populate_existing=True)"                                |
        | reads employee 42 with "select().execution_options(populate_existing=True)"                 |
        | reads employee 42 with "Session.execute(select(), execution_options={populate_existing: True})" |

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, on MySQL/MariaDB, Session.get() honours populate_existing given in execution_options, and reads the old snapshot
      When the same thread reads employee 42 with "Session.get(execution_options={populate_existing: True})"
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

  Rule: Ending the transaction first (commit, rollback or close) makes the next get() read the database

    Scenario Outline: Ending the transaction, then get()
      When the same thread <ends>, then reads employee 42
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

      Examples:
        | ends               |
        | commits            |
        | rolls back         |
        | closes its session |

    Scenario: A flush does not end the transaction, so get() still answers from the identity map
      When the same thread flushes, then reads employee 42
      Then the email read is old@corp.example
      And the read sent no SQL

  Rule: populate_existing overwrites the object in the identity map with the row, in every spelling but one
    Query.populate_existing() is the legacy Query's spelling; the same Query without it returns the
    identity map's object unchanged (see when_a_read_is_stale).

    @database:postgresql,sqlite
    Scenario Outline: Reading with populate_existing
      When the same thread reads employee 42 with "<spelling>"
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

      Examples: Honoured by SQLAlchemy 1.4, 2.0 and 2.1
        | spelling                                                             |
        | Query.populate_existing()                                            |
        | Query.execution_options(populate_existing=True)                      |
        | Session.get(populate_existing=True)                                  |
        | select().execution_options(populate_existing=True)                   |
        | Session.execute(select(), execution_options={populate_existing: True}) |

    @sqlalchemy:<2.1
    Scenario: Before 2.1, Session.get() ignores populate_existing given in execution_options
      Session.get() looked only at its own populate_existing parameter; an execution option of the same
      name did not stop it from answering from the identity map.
      When the same thread reads employee 42 with "Session.get(execution_options={populate_existing: True})"
      Then the email read is old@corp.example
      And the read sent no SQL

    @sqlalchemy:>=2.1 @database:postgresql,sqlite
    Scenario: Since 2.1, Session.get() honours populate_existing given in execution_options
      Session.get() now takes populate_existing from its execution options when the parameter is not given.
      When the same thread reads employee 42 with "Session.get(execution_options={populate_existing: True})"
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42
