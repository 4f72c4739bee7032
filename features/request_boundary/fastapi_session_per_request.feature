@request_boundary
Feature: A FastAPI dependency that yields one session per request
  The session-per-request fix as FastAPI applications write it: a dependency that opens a Session (or an
  AsyncSession), yields it to the endpoint and closes it when the response is done. No session outlives
  its request, so even an application that keeps every served employee referenced reads fresh data.
  Each scenario reads employee 42 through the dependency it is about, before and after the update.

  Background:
    Given employee 42 is stored with the email old@corp.example
    And the HR application is served over HTTP by uvicorn, its sessions coming from a FastAPI dependency:
      | a new session for every request    | yes |
      | application holds served employees | yes |

  Rule: Every request reads through a new session, sync or async

    Scenario: The sync dependency
      Given employee 42 has been read over HTTP
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP
      Then the HTTP response shows the email new@corp.example

    Scenario: The async dependency
      Given employee 42 has been read over HTTP through the async dependency
      And the email of employee 42 has been updated to new@corp.example over HTTP
      When employee 42 is read over HTTP through the async dependency
      Then the HTTP response shows the email new@corp.example
