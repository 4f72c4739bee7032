@request_boundary
Feature: What a scoped session that is never removed costs, besides stale data
  A session that outlives its request keeps more than objects. The first query of a request began a
  transaction on a pooled connection; without remove() nothing ends that transaction or gives the
  connection back. Each server thread that ever served a request keeps one connection, idle in
  transaction, for as long as the thread lives.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: The request's transaction stays open and its connection stays checked out

    Scenario: Never removed, the connection is left idle in transaction
      Given a Flask application whose scoped session is never removed
      When a request for employee 42 is served
      Then another connection sees the application's connection idle in transaction
      And the application's pool has 1 connections checked out

    Scenario: Removed at teardown, the connection goes back to the pool with its transaction ended
      Given a Flask application whose scoped session is removed at the end of each request
      When a request for employee 42 is served
      Then another connection sees the application's connection idle
      And the application's pool has 0 connections checked out

  Rule: More server threads than pooled connections exhaust the pool

    Scenario: Never removed, the third thread waits for a connection that never comes back
      Given a Flask application whose scoped session is never removed, with a pool of 2 connections
      And 2 other server threads have each served a request for employee 42
      When another server thread serves a request for employee 42
      Then the request fails because the pool of 2 connections stayed exhausted

    Scenario: Removed at teardown, the same threads share the pool
      Given a Flask application whose scoped session is removed at the end of each request, with a pool of 2 connections
      And 2 other server threads have each served a request for employee 42
      When another server thread serves a request for employee 42
      Then the response shows the email old@corp.example

  Rule: The identity map grows only with what the application keeps referenced

    Scenario Outline: Two hundred requests for different employees on one thread
      Given employees 1000 to 1199 are stored
      And a Flask application whose scoped session is <lifetime>
      And <holding>
      When this thread serves one request for each of employees 1000 to 1199
      Then this thread's session holds <objects> objects in its identity map

      Examples: Never removed
        | lifetime      | holding                                               | objects |
        | never removed | the application holds on to the employees it has served | 200     |
        | never removed | the application lets go of the employees it has served  | 0       |

      Examples: Removed at the end of each request
        | lifetime                           | holding                                               | objects |
        | removed at the end of each request | the application holds on to the employees it has served | 0       |
