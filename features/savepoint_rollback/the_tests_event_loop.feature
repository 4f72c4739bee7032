@savepoint_rollback @sync_only
Feature: The test's event loop: an async engine shared by tests that each run on a loop of their own
  An async test suite that rolls back after each test usually makes its AsyncEngine once, in a
  session-scoped fixture, as a sync suite would. Under pytest-asyncio each test runs on an event loop of
  its own by default (the test's loop scope is "function"), but an asyncpg connection belongs to the loop
  it was opened on. The engine's pool hands the connection the first test opened to the second test, on
  another loop, and the second test fails with RuntimeError ("... got Future ... attached to a different
  loop"); the connection is then left in the middle of that operation, and the third test fails with
  InterfaceError ("cannot perform operation: another operation is in progress"). The same two errors, with
  the same words, on SQLAlchemy 1.4, 2.0 and 2.1 with asyncpg 0.32 and pytest-asyncio 1.5 (before 2.1 the
  InterfaceError's text also names asyncpg's exception class).

  The preconditions: an engine that outlives a test, tests on different loops, and a pool that keeps the
  connection between them. Taking any one away fixes the suite, and each has its scenario: every test on
  one loop (the ini option asyncio_default_test_loop_scope, or loop_scope on the asyncio mark), an engine
  made and disposed for each test, or an engine that pools nothing (NullPool). loop_scope on the fixture
  alone does not help: the tests still run on loops of their own.

  Each scenario is a real project run by pytest in a process of its own, as CI runs it, on the suite's
  database through asyncpg. The scenarios run once: the async code is the project's, not the suite's. The
  Background writes the project's tests; the scenario that marks them writes its own copy in their place.

  Background:
    Given the test file test_reads.py:
      """
      import pytest
      from sqlalchemy import text


      async def read_one(engine):
          async with engine.connect() as connection:
              assert (await connection.execute(text("SELECT 1"))).scalar() == 1


      @pytest.mark.asyncio
      async def test_first(engine):
          await read_one(engine)


      @pytest.mark.asyncio
      async def test_second(engine):
          await read_one(engine)


      @pytest.mark.asyncio
      async def test_third(engine):
          await read_one(engine)
      """

  @database:postgresql
  Rule: A pooled asyncpg connection belongs to the loop it was opened on
    asyncpg's: aiosqlite runs each connection on a thread of its own and hands each result to the loop that awaits
    it, so on SQLite the second test passes.

    Scenario: A session-scoped engine under tests on loops of their own: the second test's loop is another
      Given the module conftest.py:
        """
        import os

        import pytest
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest.fixture(scope="session")
        def engine():
            return create_async_engine(os.environ["DATABASE_URL"])
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error          | text                                                     |
        | test_first  | passed  |                |                                                          |
        | test_second | failed  | RuntimeError   | attached to a different loop                             |
        | test_third  | failed  | InterfaceError | cannot perform operation: another operation is in progress |

    Scenario: The fixture's loop_scope alone: the engine's fixture runs on the session's loop, the tests still on their own
      Given the module conftest.py:
        """
        import os

        import pytest_asyncio
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest_asyncio.fixture(scope="session", loop_scope="session")
        async def engine():
            engine = create_async_engine(os.environ["DATABASE_URL"])
            yield engine
            await engine.dispose()
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error          | text                                                     |
        | test_first  | passed  |                |                                                          |
        | test_second | failed  | RuntimeError   | attached to a different loop                             |
        | test_third  | failed  | InterfaceError | cannot perform operation: another operation is in progress |

    Scenario: A session-scoped async fixture on the function's loop is refused before any test runs
      Given the module conftest.py:
        """
        import os

        import pytest_asyncio
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest_asyncio.fixture(scope="session")
        async def engine():
            engine = create_async_engine(os.environ["DATABASE_URL"])
            yield engine
            await engine.dispose()
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome        | error          | text                                                                         |
        | test_first  | error at setup | ScopeMismatch  | You tried to access the function scoped fixture _function_scoped_runner with a session scoped request object |
        | test_second | error at setup | AssertionError |                                                                              |
        | test_third  | error at setup | AssertionError |                                                                              |

  Rule: One loop for the engine's whole life, an engine no longer than a test, or no pool: each fixes it

    Scenario: Every test on the session's loop, by the ini option
      Given the module conftest.py:
        """
        import os

        import pytest
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest.fixture(scope="session")
        def engine():
            return create_async_engine(os.environ["DATABASE_URL"])
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = session
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error | text |
        | test_first  | passed  |       |      |
        | test_second | passed  |       |      |
        | test_third  | passed  |       |      |

    Scenario: Every test on the session's loop, by loop_scope on the asyncio mark, the fixture's loop too
      Given the test file test_reads.py:
        """
        import pytest
        from sqlalchemy import text

        pytestmark = pytest.mark.asyncio(loop_scope="session")


        async def read_one(engine):
            async with engine.connect() as connection:
                assert (await connection.execute(text("SELECT 1"))).scalar() == 1


        async def test_first(engine):
            await read_one(engine)


        async def test_second(engine):
            await read_one(engine)


        async def test_third(engine):
            await read_one(engine)
        """
      And the module conftest.py:
        """
        import os

        import pytest_asyncio
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest_asyncio.fixture(scope="session", loop_scope="session")
        async def engine():
            engine = create_async_engine(os.environ["DATABASE_URL"])
            yield engine
            await engine.dispose()
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error | text |
        | test_first  | passed  |       |      |
        | test_second | passed  |       |      |
        | test_third  | passed  |       |      |

    Scenario: An engine made and disposed for each test, on that test's loop
      Given the module conftest.py:
        """
        import os

        import pytest_asyncio
        from sqlalchemy.ext.asyncio import create_async_engine


        @pytest_asyncio.fixture
        async def engine():
            engine = create_async_engine(os.environ["DATABASE_URL"])
            yield engine
            await engine.dispose()
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error | text |
        | test_first  | passed  |       |      |
        | test_second | passed  |       |      |
        | test_third  | passed  |       |      |

    Scenario: A session-scoped engine that pools nothing opens each test's connection on that test's loop
      Given the module conftest.py:
        """
        import os

        import pytest
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool


        @pytest.fixture(scope="session")
        def engine():
            return create_async_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
        """
      And the test project's pytest.ini:
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        asyncio_default_test_loop_scope = function
        """
      When pytest runs the test project, with pytest-asyncio
      Then the tests ended:
        | test        | outcome | error | text |
        | test_first  | passed  |       |      |
        | test_second | passed  |       |      |
        | test_third  | passed  |       |      |
