@session_api
Feature: Session methods that 2.1 added, removed or deprecated
  Code written for one line can meet a method that is not there on another. SQLAlchemy 2.1 removed the
  classmethod Session.close_all(), deprecated since 1.3 in favour of the function close_all_sessions(); it
  added Session.merge_all() and Session.delete_all(), the many-object forms of merge() and delete(); and it
  deprecated the objects argument of Session.flush(), which flushes only some of the pending objects.

  Rule: Session.close_all() warns before 2.1 and is gone since; close_all_sessions() works on every version

    @sqlalchemy:<2.1
    Scenario: Before 2.1, Session.close_all() closes every session, with a deprecation warning
      Given employee 42 is stored with the email old@corp.example
      And a session has loaded employee 42
      When the application calls Session.close_all()
      Then that session was closed: its identity map is empty and the employee is detached
      And SQLAlchemy warned "The Session.close_all() method is deprecated"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, Session.close_all() does not exist
      When the application calls Session.close_all()
      Then the call is refused with AttributeError: "type object 'Session' has no attribute 'close_all'"

    Scenario: close_all_sessions() closes every session without a warning, on every version
      Given employee 42 is stored with the email old@corp.example
      And a session has loaded employee 42
      When the application calls close_all_sessions()
      Then that session was closed: its identity map is empty and the employee is detached
      And the call issued no SQLAlchemy warning

  Rule: merge_all() and delete_all() are new in 2.1

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a Session has no merge_all()
      When a session merges orders 7 and 8 with Session.merge_all() and commits
      Then the call is refused with AttributeError: "'Session' object has no attribute 'merge_all'"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, merge_all() merges every object it is given
      When a session merges orders 7 and 8 with Session.merge_all() and commits
      Then another connection finds orders 7 and 8 in the state merged, and no other

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a Session has no delete_all()
      Given order 7 is stored in the state start
      And order 8 is stored in the state start
      When a session deletes orders 7 and 8 with Session.delete_all() and commits
      Then the call is refused with AttributeError: "'Session' object has no attribute 'delete_all'"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, delete_all() deletes every object it is given
      Given order 7 is stored in the state start
      And order 8 is stored in the state start
      When a session deletes orders 7 and 8 with Session.delete_all() and commits
      Then another connection finds no order

  Rule: flush(objects=...) still flushes, and since 2.1 warns that the argument is deprecated

    @sqlalchemy:<2.1
    Scenario: Before 2.1, flush(objects=...) flushes the order without a warning
      When a session flushes only a new order 9, with Session.flush(objects=[order])
      Then the flush sent these statements, in order:
        | INSERT | shop_orders |
      And the flush issued no SQLAlchemy warning

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, flush(objects=...) flushes the order and warns that objects is deprecated
      When a session flushes only a new order 9, with Session.flush(objects=[order])
      Then the flush sent these statements, in order:
        | INSERT | shop_orders |
      And SQLAlchemy warned "The `objects` parameter of `Session.flush` is deprecated"
