@request_boundary @every_sync_driver
Feature: When a read through a session that outlived its request is stale
  A request's session that is never removed is still there, with its identity map and its transaction,
  when the same thread serves the next request. Whether that next request reads the email another
  connection has committed since depends on three things:

  - whether the employee object still exists: the identity map holds clean objects only weakly, so it
    is answered from memory (no SQL at all) only while something else still references the object, or
    while it has a change the session has not flushed yet;
  - whether the earlier request ended its transaction: commit expires every loaded object when
    expire_on_commit is on (the default), rollback always does, and close() empties the identity map,
    so the next access reloads it (BEGIN, then a SELECT). The registry still hands back the same Session
    after close() or a `with` block around it: only remove() replaces it;
  - the isolation level: at REPEATABLE READ a transaction that never ended keeps reading its first
    snapshot, so even a fresh SELECT returns the old row.

  On SQLite the third depends on SQLite's locking instead. SQLite has two isolation levels, SERIALIZABLE (its
  default) and READ UNCOMMITTED, which only connections sharing one cache can tell apart, not two connections to
  a file. pysqlite sends no BEGIN before a read, so the transaction the earlier request "left open" is one SQLAlchemy
  believes in and SQLite never began: the next SELECT reads the committed row. With SQLAlchemy's documented pysqlite
  workaround the read does begin a transaction: in SQLite's default rollback-journal mode it holds a lock on the
  file that no other connection can commit past, and in WAL mode the other connection commits and the session
  keeps reading its old snapshot, as REPEATABLE READ does on PostgreSQL. The scenarios that do not depend on the
  isolation level run at each database's default: READ COMMITTED on PostgreSQL, SERIALIZABLE on SQLite, REPEATABLE
  READ on MySQL/MariaDB.

  On MySQL/MariaDB the third is what differs: InnoDB's default isolation is REPEATABLE READ, not READ COMMITTED. A
  transaction's snapshot (InnoDB's consistent read view) is taken by its first read, not by BEGIN, and every plain
  SELECT after it in that transaction reads that snapshot. So at the default a session whose earlier request left its
  transaction open is stale even when nothing references employee 42 any more: the read sends its SELECT and gets the
  old row. Ending the transaction (commit, rollback, close()) ends the snapshot, and the next read takes a new one;
  at READ COMMITTED every SELECT reads the latest committed row, as on PostgreSQL. A column query is a plain SELECT
  too, so at the default it reads the old row. The scenarios about the identity map alone (an entity query, a get()
  after a column query) run on MySQL/MariaDB at READ COMMITTED, where the row their SELECT fetches is the new one:
  at the default they would read the old row either way, and show nothing.

  On PostgreSQL every scenario runs twice: on psycopg2 and on psycopg 3 (postgresql+psycopg, what a bare
  postgresql:// URL means since 2.1). The results do not differ: what makes a read stale is the Session's and the
  server's, not the driver's. psycopg 3 has a dialect only since SQLAlchemy 2.0, so on 1.4 its runs are not
  applicable.

  Background:
    Given employee 42 is stored with the email old@corp.example

  @database:postgresql
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

      Examples: Fresh: a rollback expires the object, a close empties the identity map; the session is the same one
        | isolation       | expire_on_commit | ended                                                | reference                                    | email            | sql                                        |
        | READ COMMITTED  | on               | rolled back its transaction                          | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42      |
        | REPEATABLE READ | on               | rolled back its transaction                          | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42      |
        | READ COMMITTED  | on               | closed its session, without remove()                 | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42      |
        | REPEATABLE READ | on               | closed its session, without remove()                 | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42      |
        | READ COMMITTED  | on               | closed its session in a with block, without remove() | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42      |

  @database:sqlite
  Rule: On SQLite the read is stale exactly when the object is still referenced and unexpired: pysqlite began no transaction to read

    Scenario Outline: The next request on the thread reads employee 42 through the session, on SQLite
      Given a scoped session at <isolation> isolation, expire_on_commit <expire_on_commit>
      And an earlier request on this thread has loaded employee 42
      And the earlier request <ended>
      And <reference>
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is <email>
      And the read sent <sql>

      Examples: Stale: an object still referenced and unexpired is answered from the identity map
        | isolation    | expire_on_commit | ended                     | reference                                    | email            | sql    |
        | SERIALIZABLE | on               | left its transaction open | the application still references employee 42 | old@corp.example | no SQL |
        | SERIALIZABLE | off              | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |

      Examples: Fresh: the transaction left open holds no snapshot, at either of SQLite's isolation levels
        | isolation        | expire_on_commit | ended                     | reference                               | email            | sql                       |
        | SERIALIZABLE     | on               | left its transaction open | nothing references employee 42 any more | new@corp.example | one SELECT of employee 42 |
        | READ UNCOMMITTED | on               | left its transaction open | nothing references employee 42 any more | new@corp.example | one SELECT of employee 42 |

      Examples: Fresh: the object is expired, or the identity map emptied; the session is the same one
        | isolation    | expire_on_commit | ended                                | reference                                    | email            | sql                                   |
        | SERIALIZABLE | on               | committed its transaction            | the application still references employee 42 | new@corp.example | one SELECT of employee 42             |
        | SERIALIZABLE | on               | rolled back its transaction          | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |
        | SERIALIZABLE | on               | closed its session, without remove() | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |

  @database:sqlite
  Rule: With the pysqlite workaround, the transaction left open is SQLite's: it blocks every commit, or in WAL mode keeps its snapshot

    Scenario: Without the workaround, another connection commits while the never-removed session is in its transaction
      Given a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      When another connection commits the email new@corp.example for employee 42, waiting at most 1 second for SQLite's lock
      Then the database holds the email new@corp.example for employee 42

    Scenario: With the workaround, in rollback-journal mode, no other connection can commit until the session ends its transaction
      The session's read holds a SHARED lock on the file until its transaction ends; the other connection
      waits out its busy timeout for it and gives up. A never-removed session on a server thread keeps every
      writer of the database out for as long as its thread lives.
      Given the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      When another connection commits the email new@corp.example for employee 42, waiting at most 1 second for SQLite's lock
      Then SQLAlchemy refused it with OperationalError: "database is locked"
      And the database holds the email old@corp.example for employee 42

    Scenario: With the workaround, in WAL mode, the other connection commits and the session's SELECT reads its old snapshot
      Given the SQLite database file is in WAL mode
      And the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    Scenario: With the workaround, in WAL mode, a session whose request committed reads the new row
      Given the SQLite database file is in WAL mode
      And the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request committed its transaction
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

  @database:mysql
  Rule: On MySQL/MariaDB the read is stale whenever the earlier request left its transaction open: REPEATABLE READ is the default

    Scenario Outline: The next request on the thread reads employee 42 through the session, on MySQL/MariaDB
      Given a scoped session at <isolation> isolation, expire_on_commit <expire_on_commit>
      And an earlier request on this thread has loaded employee 42
      And the earlier request <ended>
      And <reference>
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is <email>
      And the read sent <sql>

      Examples: Stale at REPEATABLE READ, the default: the transaction left open reads the snapshot of its first read, referenced or not
        | isolation       | expire_on_commit | ended                     | reference                                    | email            | sql                       |
        | REPEATABLE READ | on               | left its transaction open | the application still references employee 42 | old@corp.example | no SQL                    |
        | REPEATABLE READ | on               | left its transaction open | nothing references employee 42 any more      | old@corp.example | one SELECT of employee 42 |
        | REPEATABLE READ | off              | committed its transaction | the application still references employee 42 | old@corp.example | no SQL                    |

      Examples: At READ COMMITTED, as on PostgreSQL, only an object still referenced and unexpired is stale
        | isolation      | expire_on_commit | ended                     | reference                                    | email            | sql                       |
        | READ COMMITTED | on               | left its transaction open | the application still references employee 42 | old@corp.example | no SQL                    |
        | READ COMMITTED | on               | left its transaction open | nothing references employee 42 any more      | new@corp.example | one SELECT of employee 42 |

      Examples: Fresh at REPEATABLE READ: ending the transaction ends its snapshot, and the next read takes a new one
        | isolation       | expire_on_commit | ended                                                | reference                                    | email            | sql                                   |
        | REPEATABLE READ | on               | committed its transaction                            | the application still references employee 42 | new@corp.example | one SELECT of employee 42             |
        | REPEATABLE READ | off              | committed its transaction                            | nothing references employee 42 any more      | new@corp.example | one SELECT of employee 42             |
        | REPEATABLE READ | on               | rolled back its transaction                          | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |
        | REPEATABLE READ | on               | closed its session, without remove()                 | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |
        | REPEATABLE READ | on               | closed its session in a with block, without remove() | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |

  Rule: Left at the server's own default isolation, a transaction left open reads a new row on PostgreSQL and SQLite, its old snapshot on MySQL/MariaDB

    No isolation level is set on the engine here: the server's own default applies.

    @database:postgresql,sqlite
    Scenario: At the server's own default isolation, the transaction left open reads the committed row once nothing references the employee
      PostgreSQL's default is READ COMMITTED; on SQLite pysqlite began no transaction for the earlier read.
      Given a scoped session
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB, at the server's own default isolation, the transaction left open reads its old snapshot
      InnoDB's default is REPEATABLE READ: the earlier request's read took the transaction's snapshot, and the
      SELECT sent for the employee nothing references any more reads it.
      Given a scoped session
      And an earlier request on this thread has loaded employee 42
      And the earlier request left its transaction open
      And nothing references employee 42 any more
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

  Rule: A SELECT of the entity is sent, yet the object already in the identity map is returned unchanged

    @database:postgresql,sqlite
    Scenario: An entity query on a stale session
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread runs a SELECT of the entity for employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    @database:postgresql,sqlite
    Scenario: The legacy Query behaves as the entity select
      session.query(Employee).filter_by(id=42).one() is the same entity query in the 1.x spelling: the
      SELECT goes out, and the row's new email is not written over the object the identity map holds.
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread runs the legacy Query, filter_by().one(), for employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB at READ COMMITTED, an entity query on a stale session
      At MySQL/MariaDB's default REPEATABLE READ the SELECT would fetch the old row anyway; at READ COMMITTED it
      fetches the new one, and the object the identity map holds is still returned unchanged.
      Given a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread runs a SELECT of the entity for employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB at READ COMMITTED, the legacy Query behaves as the entity select
      Given a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread runs the legacy Query, filter_by().one(), for employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

  @database:postgresql
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

  @database:sqlite
  Rule: On SQLite a column query reads the committed row, unless the workaround's transaction keeps its WAL snapshot

    Scenario: A column query on a stale session, on SQLite
      Given a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads the email column of employee 42
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    Scenario: A column query on a stale session with the workaround, in WAL mode, reads the old snapshot
      Given the SQLite database file is in WAL mode
      And the session's connections to SQLite have the SAVEPOINT workaround, which sends BEGIN when a session begins
      And a scoped session at SERIALIZABLE isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads the email column of employee 42
      Then the email read is old@corp.example
      And the read sent one SELECT of employee 42

  @database:mysql
  Rule: On MySQL/MariaDB a column query reads the transaction's snapshot: the old row at the default REPEATABLE READ

    Scenario Outline: A column query on a stale session, on MySQL/MariaDB
      Given a scoped session at <isolation> isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads the email column of employee 42
      Then the email read is <email>
      And the read sent one SELECT of employee 42

      Examples: Repeatable read, the default, still sees the first snapshot
        | isolation       | email            |
        | REPEATABLE READ | old@corp.example |

      Examples: Read committed sees the committed row, as on PostgreSQL
        | isolation      | email            |
        | READ COMMITTED | new@corp.example |

  Rule: A column query refreshes nothing: a later get() in the same request still returns the old object

    @database:postgresql,sqlite
    Scenario: get() after a column query that returned the new email
      The column query returns the row's value and leaves the object in the identity map as it was, so
      two reads in one request disagree.
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      And the same thread has read the email column of employee 42, which showed new@corp.example
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent no SQL

    @database:mysql
    Scenario: On MySQL/MariaDB at READ COMMITTED, get() after a column query that returned the new email
      At the default REPEATABLE READ the column query itself reads the old snapshot (the rule above); at READ
      COMMITTED it returns the new row, and the object in the identity map is left as it was.
      Given a scoped session at READ COMMITTED isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      And another connection has committed the email new@corp.example for employee 42
      And the same thread has read the email column of employee 42, which showed new@corp.example
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent no SQL

  Rule: A modified object that was never flushed is held by the session itself, referenced or not

    Scenario: A change left unflushed keeps the object in the identity map after the application lets go
      The identity map holds clean objects weakly but modified ones strongly, until they are flushed: the
      session needs them to flush their changes. Such an object answers the next request from memory.
      Given a scoped session at the database's default isolation, expire_on_commit on
      And an earlier request on this thread has loaded employee 42
      And the earlier request changed the name of employee 42 without flushing
      And the application has let go of employee 42
      And another connection has committed the email new@corp.example for employee 42
      When the same thread reads employee 42 through its scoped session
      Then the email read is old@corp.example
      And the read sent no SQL
