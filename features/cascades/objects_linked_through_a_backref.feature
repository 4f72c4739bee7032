@cascades
Feature: A new object linked through a backref enters the Session only before 2.0
  The upgrade note's case. User.persons has cascade "all, delete" and Person.user is its other side
  (back_populates). A user is loaded by a session; a new person is linked to it by assigning the user to
  person.user, the backref side, and the session is flushed.

  Before 2.0 the save-update cascade also ran backwards along the backref: the person joined the user's
  session and the flush inserted it. SQLAlchemy 2.0 removed that reverse cascade (the cascade_backrefs
  switch of 1.4 is gone): the person stays outside the session, the flush inserts nothing, the person gets
  no id, and the flush warns that the add along User.persons will not proceed.

  Background:
    Given user 1 is stored
    And a session has loaded user 1

  Rule: Before 2.0, assigning to the backref side cascades the new object into the session

    @sqlalchemy:<2.0
    Scenario: Before 2.0, the person joins the session and the flush inserts it
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is in the session
      And the flush sent these statements, in order:
        | INSERT | persons |
      And the new person was given an id
      And SQLAlchemy issued no SAWarning

    @sqlalchemy:<2.0
    Scenario: Before 2.0, with the collection loaded first, the person joins the session too
      Given the session has loaded the persons of user 1
      And a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is in the session
      And the new person was given an id

    @sqlalchemy:<2.0
    Scenario: SQLAlchemy 1.4 names the change when its warnings about 2.0 are turned on
      Given SQLAlchemy 1.4's warnings about 2.0 changes are turned on, as SQLALCHEMY_WARN_20 does
      And a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is in the session
      And SQLAlchemy warned ""Person" object is being merged into a Session along the backref cascade path for relationship "User.persons"; in SQLAlchemy 2.0, this reverse cascade will not take place"

    @sqlalchemy:<2.0
    Scenario: A 1.4 session made with future=True already behaves as 2.0 does
      Given a 1.4 session made with future=True has loaded user 1
      And a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is not in the session
      And the new person has no id

  Rule: Since 2.0, the backref side does not cascade: the object must be added, or linked from the parent's side

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, the person stays out of the session and is not inserted
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is not in the session
      And the flush sent no SQL
      And the new person has no id
      And SQLAlchemy warned "Object of type <Person> not in session, add operation along 'User.persons' will not proceed"

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, loading the collection first changes nothing
      Given the session has loaded the persons of user 1
      And a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is not in the session
      And the new person has no id
      And SQLAlchemy warned "Object of type <Person> not in session, add operation along 'User.persons' will not proceed"

  Rule: Linking from the side that owns the cascade, or adding explicitly, works on every version

    Scenario: Appending the person to the user's persons
      Given a new person has been appended to the persons of user 1
      When the session flushes
      Then the new person is in the session
      And the flush sent these statements, in order:
        | INSERT | persons |
      And the new person was given an id

    Scenario: Adding the person to the session explicitly
      Given a new person linked to user 1 has been added to the session explicitly
      When the session flushes
      Then the new person is in the session
      And the new person was given an id
      And SQLAlchemy issued no SAWarning
