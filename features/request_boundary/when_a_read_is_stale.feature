@request_boundary
Feature: When a read through a session that outlived its request is stale
  A request's session that is never removed is still there, with its identity map and its transaction,
  when the same thread serves the next request. Whether that next request reads the email another
  connection has committed since depends on three things:

  - whether the employee object still exists: the identity map holds objects only weakly, so it is
    answered from memory (no SQL at all) only while something else still references the object;
  - whether the earlier request ended its transaction: commit expires every loaded object when
    expire_on_commit is on (the default), so the next access reloads it;
  - the isolation level: at REPEATABLE READ a transaction that never ended keeps reading its first
    snapshot, so even a fresh SELECT returns the old row.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: The read is stale exactly when the object is still referenced and unexpired, or the snapshot is old

    Scenario Outline: The next request on the thread reads employee 42 through the session
      Given a scoped session at <isolation> isolation, expire_on_commit <expire_on_commit>
      And an earlier request on this thread has loaded employee 42
      And the earlier request <ended>
      And <reference>
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is <email>
      And the read sent <sql>

      Examples: Stale: an object still referenced and unexpired is answered from the identity map
        | isolation       | expire_on_commit | ended                         | reference                                 | email            | sql                          |
        | READ COMMITTED  | on               | left its transaction open     | the application still references employee 42 | old@corp.example | no SQL                       |
        | READ COMMITTED  | off              | committed its transaction     | the application still references employee 42 | old@corp.example | no SQL                       |
        | REPEATABLE READ | on               | left its transaction open     | the application still references employee 42 | old@corp.example | no SQL                       |

      Examples: Stale with a SELECT: the transaction never ended, so REPEATABLE READ reads its old snapshot
        | isolation       | expire_on_commit | ended                         | reference                                 | email            | sql                          |
        | REPEATABLE READ | on               | left its transaction open     | nothing references employee 42 any more   | old@corp.example | one SELECT of employee 42    |

      Examples: Fresh: the object is gone or expired, and the snapshot is current
        | isolation       | expire_on_commit | ended                         | reference                                 | email            | sql                          |
        | READ COMMITTED  | on               | left its transaction open     | nothing references employee 42 any more   | new@corp.example | one SELECT of employee 42    |
        | READ COMMITTED  | on               | committed its transaction     | the application still references employee 42 | new@corp.example | one SELECT of employee 42    |
        | REPEATABLE READ | on               | committed its transaction     | the application still references employee 42 | new@corp.example | one SELECT of employee 42    |

  Rule: A SELECT of the entity is sent, yet the object already in the identity map is returned unchanged

    Scenario: An entity query on a stale session
      Given a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread runs a SELECT of the entity for employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

  Rule: A SELECT of a column returns the row, so it is as fresh as the transaction's snapshot

    Scenario Outline: A column query on a stale session
      Given a scoped session at <isolation> isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads the email column of employee 42
      Then the email read is <email>
      And the read sent one SELECT of employee 42

      Examples: Read committed sees the committed row
        | isolation      | email            |
        | READ COMMITTED | new@corp.example |

      Examples: Repeatable read still sees the first snapshot
        | isolation       | email            |
        | REPEATABLE READ | old@corp.example |
