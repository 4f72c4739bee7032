@savepoint_rollback @sync_only
Feature: A Session bound to an Engine whose connections arrive already in a transaction
  Some applications (and some test setups) begin a transaction in an "engine_connect" event hook, so every
  connection the Engine hands out is already inside a transaction. A Session bound to that Engine, not to a
  connection, then finds a transaction it did not begin. Before 2.1 it joined it like a connection handed in
  by a test: on 1.4, and in 2.0 under every join_transaction_mode but control_fully (the default included), its
  commit did not commit, and the order was lost when the connection went back to the pool; in 2.0,
  control_fully, which lets the Session own the transaction it joins, commits it. SQLAlchemy 2.1 no longer
  applies join_transaction_mode to connections the Session gets from its own Engine: the Session commits the
  transaction it finds, in every mode.

  The engine_connect hook is an event of the synchronous Engine, so this feature has no async flavour.

  Background:
    Given the application's engine begins a transaction on every new connection, in an engine_connect hook

  Rule: Before 2.0, the Session joins the hook's transaction and its commit is lost without a word

    @sqlalchemy:<2.0
    Scenario: Before 2.0, a session bound to that engine commits, and the order is lost
      When a session bound to that engine commits a new order
      Then another connection finds order 2 missing: the commit was lost
      And the commit issued no SQLAlchemy warning

  Rule: In 2.0, the commit is lost unless the mode is control_fully; the default warns about the hook

    @sqlalchemy:>=2.0,<2.1
    Scenario: In 2.0, with the default mode, the commit is lost and SQLAlchemy points at the hook
      When a session bound to that engine commits a new order
      Then another connection finds order 2 missing: the commit was lost
      And SQLAlchemy warned "The engine provided as bind produced a connection that is already in a transaction"

    @sqlalchemy:>=2.0,<2.1
    Scenario Outline: In 2.0, with join_transaction_mode <mode>, the commit <fate>
      When a session bound to that engine with join_transaction_mode <mode> commits a new order
      Then another connection finds order 2 <fate>

      Examples:
        | mode             | fate                         |
        | create_savepoint | missing: the commit was lost |
        | rollback_only    | missing: the commit was lost |
        | control_fully    | committed                    |

  Rule: Since 2.1, a Session commits the transaction its own Engine's connection arrived in, in every mode

    @sqlalchemy:>=2.1
    Scenario Outline: Since 2.1, with join_transaction_mode <mode>, the commit is kept
      When a session bound to that engine with join_transaction_mode <mode> commits a new order
      Then another connection finds order 2 committed
      And the commit issued no SQLAlchemy warning

      Examples:
        | mode                  |
        | conditional_savepoint |
        | create_savepoint      |
        | rollback_only         |
        | control_fully         |

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, with the default mode, the commit is kept
      When a session bound to that engine commits a new order
      Then another connection finds order 2 committed
      And the commit issued no SQLAlchemy warning
