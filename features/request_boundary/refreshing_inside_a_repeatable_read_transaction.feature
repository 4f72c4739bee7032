@request_boundary @database:postgresql,mysql
Feature: Refreshing inside a REPEATABLE READ transaction that never ended
  At REPEATABLE READ every statement of a transaction reads the snapshot taken by its first one. A session
  that outlived its request at that isolation level is still in that transaction, so the remedies that
  reload an object (expire_all(), refresh(), populate_existing) do send a SELECT, and the SELECT returns
  the old row. Only ending the transaction (commit, rollback or close) lets the next read take a new
  snapshot. Each scenario starts as refreshing_a_stale_session does, at REPEATABLE READ.
  SQLite has no REPEATABLE READ; the same old snapshot is what a session keeps there in WAL mode with the pysqlite
  workaround (see when_a_read_is_stale). On MySQL/MariaDB REPEATABLE READ is the default, so this is the normal
  case there (refreshing_a_stale_session shows the same at the database's default isolation): InnoDB takes the
  snapshot at the transaction's first read, the earlier request's load, and keeps it until the transaction ends.

  Background:
    Given employee 42 is stored with the email old@corp.example
    And a scoped session at REPEATABLE READ isolation, expire_on_commit on
    And an earlier request on this thread has loaded employee 42
    And the application still references employee 42
    And another connection has committed the email new@corp.example for employee 42

  Rule: Reloading inside the old transaction sends a SELECT and still reads the old row

    Scenario Outline: Reloading employee 42 without ending the transaction
      When the same thread <reloads>
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

      Examples:
        | reloads                                                                        |
        | expires everything in its session and reads employee 42                        |
        | expires employee 42 and reads it                                               |
        | refreshes employee 42 and reads it                                             |
        | reads employee 42 with "Session.get(populate_existing=True)"                   |
        | reads employee 42 with "select().execution_options(populate_existing=True)"    |
        | reads employee 42 with "Query.populate_existing()"                             |

  Rule: Only ending the transaction reads the new row

    Scenario Outline: Ending the transaction, then get()
      When the same thread <ends>, then reads employee 42
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

      Examples:
        | ends               |
        | commits            |
        | rolls back         |
        | closes its session |
