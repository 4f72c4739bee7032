@cascades
Feature: What deleting a parent does to its children
  Session.delete() of a parent acts on its children according to the relationship's cascade and to the
  database's foreign keys. Each scenario shows the statements the commit sent and, through another
  connection, the rows left behind. The same on SQLAlchemy 1.4, 2.0 and 2.1, and on PostgreSQL and SQLite, with one
  difference: SQLite enforces foreign keys, ON DELETE CASCADE included, only on a connection that ran
  PRAGMA foreign_keys=ON. The scenarios' engines turn it on for every connection, as an application must; the
  passive_deletes rule shows on SQLite what a connection without it leaves behind.

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
      And another connection sees persons 10 and 11 deleted

  Rule: delete-orphan deletes a child taken out of its parent's collection

    Scenario: An item removed from its cart is deleted
      Given cart 1 with cart items 10 and 11 is stored
      And a session has loaded cart 1
      And cart item 10 has been removed from the cart items of cart 1
      When the session commits
      Then the commit sent these statements, in order:
        | DELETE | cart_items |
      And another connection sees only cart item 11 left in cart 1

    Scenario: Without delete-orphan, a person taken out of its user's persons is kept, unlinked
      User.persons has cascade "all, delete": delete covers deleting the user, not leaving the collection.
      Given user 1 with persons 10 and 11 is stored
      And a session has loaded user 1
      And person 10 has been removed from the persons of user 1
      When the session commits
      Then the commit sent these statements, in order:
        | UPDATE | persons |
      And another connection sees these persons, and the user each belongs to:
        | 10 | none |
        | 11 | 1    |

  Rule: delete-orphan does not stop a new child that never had a parent: only a NOT NULL key refuses it
    A pending object that was never in a collection is an orphan too, but the flush inserts it as it is,
    with its foreign key NULL; delete-orphan removes only children taken out of a collection.

    Scenario: A new member added without a team is inserted with no team
      Given team 1 is stored
      And a session has loaded team 1
      And a new member 12 that belongs to no team has been added to the session
      When the session commits
      Then the commit sent these statements, in order:
        | INSERT | members |
      And another connection sees these members, and the team each belongs to:
        | 12 | none |

    Scenario: A new cart item added without a cart is refused by the NOT NULL key, not by the cascade
      Given cart 1 is stored
      And a session has loaded cart 1
      And a new cart item 12 that belongs to no cart has been added to the session
      When the session commits
      Then the commit sent these statements, in order:
        | INSERT | cart_items |
      And the commit is refused: cart_items.cart_id may not be NULL

  Rule: passive_deletes leaves unloaded children to the database's ON DELETE CASCADE
    Folder.documents has cascade "all, delete" with passive_deletes=True.

    Scenario: Children not loaded: one DELETE, and the database removes the rest
      Given folder 1 with documents 10 and 11 is stored
      And a session has loaded folder 1
      When the session commits the deletion of folder 1
      Then the commit sent these statements, in order:
        | DELETE | folders |
      And another connection sees documents 10 and 11 deleted

    @database:sqlite
    Scenario: On SQLite without PRAGMA foreign_keys=ON, children not loaded outlive their parent
      The Session leaves them to the database as before, and SQLite, enforcing no foreign key on this connection,
      deletes the folder alone: the documents stay, pointing to a folder that no longer exists.
      Given folder 1 with documents 10 and 11 is stored
      And the session's connections to SQLite have foreign keys off
      And a session has loaded folder 1
      When the session commits the deletion of folder 1
      Then the commit sent these statements, in order:
        | DELETE | folders |
      And another connection sees documents 10 and 11 still belonging to folder 1

    Scenario: Children already loaded: the Session deletes them itself
      Given folder 1 with documents 10 and 11 is stored
      And a session has loaded folder 1
      And the session has loaded the documents of folder 1
      When the session commits the deletion of folder 1
      Then the commit sent these statements, in order:
        | DELETE | documents |
        | DELETE | folders   |
      And another connection sees documents 10 and 11 deleted

  Rule: passive_deletes with the default cascade: ON DELETE CASCADE removes unloaded children, loaded ones are unlinked
    Album.photos keeps the default cascade (no delete) with passive_deletes=True, and photos.album_id is a
    nullable foreign key with ON DELETE CASCADE. The Session does not load photos to delete the album;
    photos it has loaded it unlinks itself, before the database could cascade to them.

    Scenario: Photos not loaded: one DELETE, and the database deletes the photos
      Given album 1 with photos 10 and 11 is stored
      And a session has loaded album 1
      When the session commits the deletion of album 1
      Then the commit sent these statements, in order:
        | DELETE | albums |
      And another connection sees photos 10 and 11 deleted

    Scenario: Photos already loaded: the Session unlinks them, and they survive the album
      Given album 1 with photos 10 and 11 is stored
      And a session has loaded album 1
      And the session has loaded the photos of album 1
      When the session commits the deletion of album 1
      Then the commit sent these statements, in order:
        | UPDATE | photos |
        | DELETE | albums |
      And another connection sees these photos, and the album each belongs to:
        | 10 | none |
        | 11 | none |
