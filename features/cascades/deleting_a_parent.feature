@cascades
Feature: What deleting a parent does to its children
  Session.delete() of a parent acts on its children according to the relationship's cascade and to the
  database's foreign keys. Each scenario shows the statements the commit sent and, through another
  connection, the rows left behind. The same on SQLAlchemy 1.4, 2.0 and 2.1.

  Rule: The default cascade does not delete children: it sets their foreign key to NULL

    Scenario: Children with a nullable foreign key are kept, unlinked
      Given order 1 with order lines 10 and 11 is stored
      And a session has loaded order 1
      When the session commits the deletion of order 1
      Then the commit sent these statements, in order:
        | SELECT | order_lines |
        | UPDATE | order_lines |
        | DELETE | orders      |
      And another connection sees order lines 10 and 11 still stored, belonging to no order

    Scenario: Children whose foreign key is NOT NULL make the commit fail
      Given invoice 1 with invoice lines 10 and 11 is stored
      And a session has loaded invoice 1
      When the session commits the deletion of invoice 1
      Then the commit is refused: invoice_lines.invoice_id may not be NULL
      And another connection sees invoice lines 10 and 11 still belonging to invoice 1

  Rule: cascade "all, delete" deletes the children first, after loading them

    Scenario: Deleting a user deletes its persons
      Given user 1 with persons 10 and 11 is stored
      And a session has loaded user 1
      When the session commits the deletion of user 1
      Then the commit sent these statements, in order:
        | SELECT | persons |
        | DELETE | persons |
        | DELETE | users   |
      And another connection sees no persons of user 1 left

  Rule: delete-orphan deletes a child taken out of its parent's collection

    Scenario: An item removed from its cart is deleted
      Given cart 1 with cart items 10 and 11 is stored
      And a session has loaded cart 1
      And cart item 10 has been removed from the items of cart 1
      When the session commits
      Then the commit sent these statements, in order:
        | DELETE | cart_items |
      And another connection sees only cart item 11 left in cart 1

  Rule: passive_deletes leaves unloaded children to the database's ON DELETE CASCADE

    Scenario: Children not loaded: one DELETE, and the database removes the rest
      Given folder 1 with documents 10 and 11 is stored
      And a session has loaded folder 1
      When the session commits the deletion of folder 1
      Then the commit sent these statements, in order:
        | DELETE | folders |
      And another connection sees no documents of folder 1 left

    Scenario: Children already loaded: the Session deletes them itself
      Given folder 1 with documents 10 and 11 is stored
      And a session has loaded folder 1
      And the session has loaded the documents of folder 1
      When the session commits the deletion of folder 1
      Then the commit sent these statements, in order:
        | DELETE | documents |
        | DELETE | folders   |
      And another connection sees no documents of folder 1 left
