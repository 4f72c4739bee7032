@request_boundary
Feature: The async request boundary: a session per task, and an AsyncSession's objects after commit
  async_scoped_session is the async form of scoped_session, and its scopefunc says what "the current
  request" is. The usual one, asyncio.current_task, gives one AsyncSession per task, not per request:
  where a server runs each request on a task of its own (as uvicorn does), each request gets a session of
  its own; where one task serves request after request (a queue consumer, a background worker), every one
  of those requests shares one session and its identity map, and the stale read of the threaded servers
  comes back. remove() at the end of each request ends it. Without remove(), the registry keeps the session
  of every task it served, closed or not, for as long as it lives.

  An AsyncSession cannot load lazily: loading is IO, and IO must be awaited. After commit() every loaded
  attribute is expired (expire_on_commit=True, the default), so touching one raises MissingGreenlet instead of
  loading the row. Its text reads "greenlet_spawn has not been called; can't call await_only() here. Was IO
  attempted in an unexpected place?" on 1.4 and 2.0; 2.1 renamed the function it names, await_(). Projects
  turn expire_on_commit off to keep the attribute readable, and that brings the stale read back: the object
  keeps the values it had before the commit, whatever another connection committed since. An explicit
  await session.refresh(obj) loads the row again, and so, since 2.0.13, does awaiting the attribute through
  AsyncAttrs.awaitable_attrs (1.4 has no AsyncAttrs).

  The preconditions of the stale read on one task: the requests ran on the same task, its session was never
  removed, and the application held on to what it served. Each has its counter-scenario. The requests run
  in this process, on one event loop, through asyncpg (aiosqlite on SQLite, aiomysql on MySQL/MariaDB). On
  MySQL/MariaDB the default isolation is REPEATABLE READ, so a long-lived task's session that was never removed
  reads the snapshot of its first request's transaction: with nothing held, the next read sends its SELECT and
  still gets the old row.

  Background:
    Given employee 42 is stored with the email old@corp.example

  Rule: async_scoped_session scoped by current_task gives one session per task, not per request

    Scenario: One task serves request after request, its session never removed: the second read is stale
      Given an async application whose async_scoped_session, scoped by current_task, is never removed
      And the async application holds on to the employees it has served
      And employee 42 has been served by a request on the application's long-lived task
      And another connection has committed the email new@corp.example for employee 42
      When the long-lived task serves the next request for employee 42
      Then the email read is old@corp.example
      And the request sent no SQL

    Scenario: One task serves request after request, its session removed at the end of each: the read is fresh
      Given an async application whose async_scoped_session, scoped by current_task, is removed at the end of each request
      And the async application holds on to the employees it has served
      And employee 42 has been served by a request on the application's long-lived task
      And another connection has committed the email new@corp.example for employee 42
      When the long-lived task serves the next request for employee 42
      Then the email read is new@corp.example
      And the request sent one SELECT of employee 42

    @database:postgresql,sqlite
    Scenario: One task, never removed, but nothing held: the identity map has let the employee go
      Given an async application whose async_scoped_session, scoped by current_task, is never removed
      And employee 42 has been served by a request on the application's long-lived task
      And another connection has committed the email new@corp.example for employee 42
      When the long-lived task serves the next request for employee 42
      Then the email read is new@corp.example
      And the request sent one SELECT of employee 42

    @database:mysql
    Scenario: On MySQL/MariaDB, one task, never removed, nothing held: the SELECT reads the old snapshot
      Given an async application whose async_scoped_session, scoped by current_task, is never removed
      And employee 42 has been served by a request on the application's long-lived task
      And another connection has committed the email new@corp.example for employee 42
      When the long-lived task serves the next request for employee 42
      Then the email read is old@corp.example
      And the request sent one SELECT of employee 42

    Scenario: Each request on a task of its own, never removed: the read is fresh, and every task's session stays
      Given an async application whose async_scoped_session, scoped by current_task, is never removed
      And the async application holds on to the employees it has served
      And employee 42 has been served by a request on a task of its own
      And another connection has committed the email new@corp.example for employee 42
      When the next request for employee 42 is served on a task of its own
      Then the email read is new@corp.example
      And the registry holds 2 sessions, one for each task that was served

    Scenario: Each request on a task of its own, removed at the end of each: the registry holds nothing
      Given an async application whose async_scoped_session, scoped by current_task, is removed at the end of each request
      And the async application holds on to the employees it has served
      And employee 42 has been served by a request on a task of its own
      And another connection has committed the email new@corp.example for employee 42
      When the next request for employee 42 is served on a task of its own
      Then the email read is new@corp.example
      And the registry holds 0 sessions, one for each task that was served

  Rule: Over HTTP, uvicorn runs each request on a task of its own, and a never-removed registry keeps them all

    The FastAPI HR application's async endpoints ask an async_scoped_session, scoped by current_task, for
    their session; the fix is a dependency that removes it when the request is done, on the request's own task.

    @database:postgresql
    Scenario: Never removed, every request leaves its session in the registry, its connection idle in transaction
      Given the HR application is served over HTTP by uvicorn, its async endpoints reading through an async_scoped_session:
        | scoped session removed at teardown | no |
      When 3 requests for employee 42 are served over HTTP, one after the other
      Then each of the 3 responses shows the email old@corp.example
      And the application's registry holds 3 sessions
      And another connection sees 3 of the application's connections idle in transaction

    @database:postgresql
    Scenario: Removed at the end of each request, the registry holds nothing and no connection is left in a transaction
      Given the HR application is served over HTTP by uvicorn, its async endpoints reading through an async_scoped_session:
        | scoped session removed at teardown | yes |
      When 3 requests for employee 42 are served over HTTP, one after the other
      Then each of the 3 responses shows the email old@corp.example
      And the application's registry holds 0 sessions
      And another connection sees 0 of the application's connections idle in transaction

    @database:sqlite,mysql
    Scenario: On SQLite and MySQL/MariaDB, never removed, every request leaves its session in the registry
      Neither has pg_stat_activity, whose application_name and state (idle in transaction) let another
      connection tell the sessions' connections apart; the registry's own count is the evidence.
      Given the HR application is served over HTTP by uvicorn, its async endpoints reading through an async_scoped_session:
        | scoped session removed at teardown | no |
      When 3 requests for employee 42 are served over HTTP, one after the other
      Then each of the 3 responses shows the email old@corp.example
      And the application's registry holds 3 sessions

    @database:sqlite,mysql
    Scenario: On SQLite and MySQL/MariaDB, removed at the end of each request, the registry holds nothing
      Given the HR application is served over HTTP by uvicorn, its async endpoints reading through an async_scoped_session:
        | scoped session removed at teardown | yes |
      When 3 requests for employee 42 are served over HTTP, one after the other
      Then each of the 3 responses shows the email old@corp.example
      And the application's registry holds 0 sessions

  Rule: After commit, an AsyncSession's expired attribute must be loaded by awaiting, or it is stale

    The load the attribute asks for is an awaitable of the driver's cursor, made and then refused. On asyncpg it is a
    coroutine: 1.4 leaves it as it is, so Python warns once the error is let go (in a test suite, at some later
    test); 2.0 closes it first. aiosqlite's cursor() returns a wrapper around a coroutine: before 2.1 the refusal
    leaves nothing behind; 2.1's adapter enters the wrapper as an async context manager, and the refusal closes only
    that entering, so the coroutine inside is left never awaited and Python warns. On aiomysql the cursor is opened
    through a coroutine too, which 1.4 leaves and 2.0 closes, and the refusal comes wrapped in a StatementError on
    every line.

    @sqlalchemy:<2.0 @database:postgresql
    Scenario: On 1.4 with asyncpg, touching an attribute expired by the commit raises MissingGreenlet naming await_only(), and leaves a coroutine never awaited
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with MissingGreenlet: "greenlet_spawn has not been called; can't call await_only() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns: "coroutine 'AsyncAdapt_asyncpg_cursor._prepare_and_execute' was never awaited"

    @sqlalchemy:<2.0 @database:sqlite
    Scenario: On 1.4 with aiosqlite, touching an attribute expired by the commit raises MissingGreenlet naming await_only(), and leaves no coroutine
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with MissingGreenlet: "greenlet_spawn has not been called; can't call await_only() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns nothing

    @sqlalchemy:>=2.0,<2.1 @database:postgresql,sqlite
    Scenario: On 2.0, touching an attribute expired by the commit raises MissingGreenlet naming await_only(), its coroutine closed
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with MissingGreenlet: "greenlet_spawn has not been called; can't call await_only() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns nothing

    @sqlalchemy:>=2.1 @database:postgresql
    Scenario: Since 2.1, touching an attribute expired by the commit raises MissingGreenlet naming await_()
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with MissingGreenlet: "greenlet_spawn has not been called; can't call await_() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns nothing

    @sqlalchemy:>=2.1 @database:sqlite
    Scenario: Since 2.1, on aiosqlite, the MissingGreenlet comes wrapped in a StatementError
      2.1's aiosqlite adapter awaits as it opens the cursor, inside the statement's execution, so SQLAlchemy
      wraps the refusal as it wraps a driver's error: a StatementError whose text names MissingGreenlet and the
      SELECT it could not send. An except clause for MissingGreenlet alone does not catch it.
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with StatementError: "(sqlalchemy.exc.MissingGreenlet) greenlet_spawn has not been called; can't call await_() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns: "coroutine 'Connection.cursor' was never awaited"

    @sqlalchemy:<2.0 @database:mysql
    Scenario: On 1.4 with aiomysql, the MissingGreenlet naming await_only() comes wrapped in a StatementError, and leaves a coroutine never awaited
      SQLAlchemy's aiomysql adapter awaits as it opens the cursor, inside the statement's execution, on every line:
      the refusal reaches the code as a StatementError whose text names MissingGreenlet and the SELECT it could not
      send. An except clause for MissingGreenlet alone does not catch it.
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with StatementError: "(sqlalchemy.exc.MissingGreenlet) greenlet_spawn has not been called; can't call await_only() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns: "coroutine '_ContextManager.__aenter__' was never awaited"

    @sqlalchemy:>=2.0,<2.1 @database:mysql
    Scenario: On 2.0 with aiomysql, the MissingGreenlet naming await_only() comes wrapped in a StatementError, its coroutine closed
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with StatementError: "(sqlalchemy.exc.MissingGreenlet) greenlet_spawn has not been called; can't call await_only() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns nothing

    @sqlalchemy:>=2.1 @database:mysql
    Scenario: Since 2.1, on aiomysql, the MissingGreenlet naming await_() comes wrapped in a StatementError
      Given an AsyncSession has loaded employee 42 and committed
      When async code reads the employee's email as an attribute
      Then SQLAlchemy refused it with StatementError: "(sqlalchemy.exc.MissingGreenlet) greenlet_spawn has not been called; can't call await_() here. Was IO attempted in an unexpected place?"
      And once the error is let go, Python warns nothing

    Scenario: expire_on_commit=False keeps the attribute readable, and stale
      Given an AsyncSession made with expire_on_commit=False has loaded employee 42 and committed
      And another connection has committed the email new@corp.example for employee 42
      When async code reads the employee's email as an attribute
      Then the email read is old@corp.example
      And the read sent no SQL

    Scenario: refresh() loads the row again, by awaiting
      Given an AsyncSession made with expire_on_commit=False has loaded employee 42 and committed
      And another connection has committed the email new@corp.example for employee 42
      When async code refreshes the employee through the session, then reads its email
      Then the email read is new@corp.example
      And the refresh sent one SELECT of employee 42

    @sqlalchemy:>=2.0.13
    Scenario: Since 2.0.13, awaiting the expired attribute through awaitable_attrs loads it
      Given an AsyncSession has loaded employee 42, mapped with AsyncAttrs, and committed
      And another connection has committed the email new@corp.example for employee 42
      When async code awaits the employee's email through awaitable_attrs
      Then the email read is new@corp.example
      And the read sent one SELECT of employee 42

    @sqlalchemy:<2.0.13
    Scenario: Before 2.0.13, there is no AsyncAttrs
      When a class of the employees table takes the AsyncAttrs mixin
      Then the import failed with ImportError: "cannot import name 'AsyncAttrs' from 'sqlalchemy.ext.asyncio'"
