@request_boundary
Feature: A scoped session is one Session per thread, until it is removed
  scoped_session is a registry keyed by thread. Asking it for a session from the same thread hands back
  the same Session every time; another thread gets its own. Nothing in it knows about requests: only
  remove() ends a thread's Session, closing it and letting the next call create a new one. Closing the
  Session yourself, with close() or with "with Session() as session:" around a request, empties its
  identity map and ends its transaction, but the registry keeps handing back that same Session.

  Background:
    Given employee 42 is stored with the email old@corp.example
    And a scoped session

  Rule: The same thread always gets the same Session; another thread gets another

    Scenario: Two calls on one thread, one on another
      When the registry is asked for a session twice on this thread and once on another thread
      Then both sessions on this thread are the same object
      And the other thread's session is a different object

  Rule: remove() closes the thread's Session and the next call starts a new one

    Scenario: Removing the session between two requests
      Given an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      When this thread removes its session and asks the registry again
      Then the session after removal is a new one, with an empty identity map
      And the removed session was closed, its objects detached

  Rule: close() empties the Session but does not remove it: the registry hands back the same one

    Scenario Outline: Closing the session between two requests, without remove()
      Given an earlier request on this thread has loaded employee 42
      And the application still references employee 42
      When the earlier request <closed> and this thread asks the registry again
      Then the registry handed back the same session, with an empty identity map
      And the objects of the closed session are detached

      Examples:
        | closed                                               |
        | closed its session, without remove()                 |
        | closed its session in a with block, without remove() |
