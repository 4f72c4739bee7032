@cascades
Feature: A new object linked through a backref enters the Session only before 2.0
  The upgrade note's case. User.persons has cascade "all, delete" and Person.user is its other side
  (back_populates). A user is loaded by a session; a new person is linked to it by assigning the user to
  person.user, the backref side, and the session is flushed.

  Before 2.0 the save-update cascade also ran backwards along the backref: the person joined the user's
  session the moment it was linked, and the flush inserted it. SQLAlchemy 2.0 removed that reverse cascade
  (1.4's cascade_backrefs switch remains only as False, the one behaviour left; True is refused: see
  the_cascade_backrefs_switch): the person stays outside the session, the flush inserts nothing, the person
  gets no id, and the flush warns that the add along User.persons will not proceed.

  SQLAlchemy 1.4 names the change only in its 2.0 warnings mode (SQLALCHEMY_WARN_20). Without it, the first
  use of any API that changes in 2.0 shows one generic RemovedIn20Warning per process, "Deprecated API
  features detected!", which names nothing; with warnings turned into errors, that notice is raised by
  the linking itself.

  Background:
    Given user 1 is stored
    And a session has loaded user 1

  Rule: Before 2.0, assigning to the backref side cascades the new object into the session

    @sqlalchemy:<2.0
    Scenario: Before 2.0, linking alone puts the person into the session
      When a new person is linked to user 1 through the backref side, Person.user
      Then the new person is in the session

    @sqlalchemy:<2.0
    Scenario: Before 2.0, the person joins the session and the flush inserts it
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the flush sent these statements, in order:
        | INSERT | persons |
      And the new person was given an id
      And the flush issued no SQLAlchemy warning

    @sqlalchemy:<2.0
    Scenario: Before 2.0, reading the persons after linking autoflushes the person and finds it
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session reads the persons of user 1
      Then the read found the new person, and nothing else
      And the read sent these statements, in order:
        | INSERT | persons |
        | SELECT | persons |

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
    Scenario: Without SQLALCHEMY_WARN_20, 1.4 shows only its generic notice, which names nothing
      Given SQLAlchemy 1.4 has not yet shown its notice about deprecated API features in this process
      When a new person is linked to user 1 through the backref side, Person.user
      Then SQLAlchemy warned only with its generic notice, a RemovedIn20Warning: "Deprecated API features detected!"
      And the new person is in the session

    @sqlalchemy:<2.0
    Scenario: 1.4 shows its generic notice once per process: a second linking warns nothing
      Given SQLAlchemy 1.4 has not yet shown its notice about deprecated API features in this process
      And a new person has been linked to user 1 through the backref side, Person.user
      When a new person is linked to user 1 through the backref side, Person.user
      Then the linking issued no warning of any kind
      And the new person is in the session

    @sqlalchemy:<2.0
    Scenario: With warnings as errors, 1.4's generic notice is raised by the linking itself
      Given SQLAlchemy 1.4 has not yet shown its notice about deprecated API features in this process
      When a new person is made as Person(user=user 1), with warnings turned into errors
      Then making the person is refused with a RemovedIn20Warning: "Deprecated API features detected!"

    @sqlalchemy:<2.0
    Scenario: A 1.4 session made with future=True already behaves as 2.0 does
      Given a 1.4 session made with future=True has loaded user 1
      And a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the new person is not in the session
      And the new person has no id

  Rule: Since 2.0, the backref side does not cascade: the object must be added, or linked from the parent's side

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, linking leaves the person outside the session
      When a new person is linked to user 1 through the backref side, Person.user
      Then the new person is not in the session

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, the person stays out of the session and is not inserted
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session flushes
      Then the flush sent no SQL
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

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, reading the persons after linking finds none, and it is that read's autoflush that warns
      Given a new person has been linked to user 1 through the backref side, Person.user
      When the session reads the persons of user 1
      Then the read found no persons
      And the read sent these statements, in order:
        | SELECT | persons |
      And the read itself warned "Object of type <Person> not in session, add operation along 'User.persons' will not proceed"

    @sqlalchemy:>=2.0
    Scenario: Since 2.0, a flush after that read sends nothing and warns nothing
      Given a new person has been linked to user 1 through the backref side, Person.user
      And the session has loaded the persons of user 1
      When the session flushes
      Then the flush sent no SQL
      And the flush issued no warning of any kind
      And the new person has no id

  Rule: Linking from the side that owns the cascade, or adding explicitly, works on every version

    Scenario: Appending puts the person into the session at once
      When a new person is appended to the persons of user 1
      Then the new person is in the session

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
      And the flush issued no SQLAlchemy warning
