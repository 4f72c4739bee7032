@session_api
Feature: What the Session sends, which driver it uses, and how its errors read, before and since 2.1
  Upgrading to 2.1 changes details that tests and logs depend on: the SELECT Session.get() sends no longer
  labels its columns; a bare "postgresql://" URL now means psycopg (version 3), no longer psycopg2, so the
  specification always names its drivers; the asyncio extension checks for greenlet when it is imported (it
  is installed only with the "sqlalchemy[asyncio]" extra); and an asyncpg constraint violation is named by
  its own class.

  Rule: Session.get() labels the columns of its SELECT before 2.1, and not since

    @sqlalchemy:<2.1
    Scenario: Before 2.1, the SELECT of Session.get() labels every column
      Given employee 42 is stored with the email old@corp.example
      When a new session reads employee 42 with Session.get()
      Then the read sent these statements, in order:
        | SELECT | employees |
      And the read's SELECT begins "SELECT employees.id AS employees_id, employees.name AS employees_name"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, the SELECT of Session.get() names the columns without labels
      Given employee 42 is stored with the email old@corp.example
      When a new session reads employee 42 with Session.get()
      Then the read sent these statements, in order:
        | SELECT | employees |
      And the read's SELECT begins "SELECT employees.id, employees.name, employees.email FROM employees"

  Rule: A bare postgresql:// URL means psycopg2 before 2.1 and psycopg since

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a bare postgresql:// URL uses psycopg2
      When the application names its database with the URL "postgresql://app@db.example/shop"
      Then SQLAlchemy chose the driver psycopg2

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, a bare postgresql:// URL uses psycopg
      When the application names its database with the URL "postgresql://app@db.example/shop"
      Then SQLAlchemy chose the driver psycopg

  Rule: Without greenlet, asyncio fails when first used before 2.1, and on import since, naming the extra

    @sqlalchemy:<2.1
    Scenario: Before 2.1, sqlalchemy.ext.asyncio imports without greenlet and fails when it connects
      When a Python without greenlet imports sqlalchemy.ext.asyncio and connects an AsyncEngine
      Then the import is refused with ValueError: "the greenlet library is required to use this function"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, importing sqlalchemy.ext.asyncio without greenlet names the extra to install
      When a Python without greenlet imports sqlalchemy.ext.asyncio and connects an AsyncEngine
      Then the import is refused with ImportError: "use the 'sqlalchemy[asyncio]' install target"

  @database:postgresql
  Rule: asyncpg's constraint violation is named by SQLAlchemy's generic class before 2.1, by asyncpg's own since
    asyncpg's, and so PostgreSQL's: on SQLite the flush goes through aiosqlite.

    @sqlalchemy:<2.1
    Scenario: Before 2.1, a duplicate key through asyncpg reads as IntegrityError, naming asyncpg's class after it
      Given employee 42 is stored with the email old@corp.example
      When an AsyncSession on asyncpg flushes a second employee 42
      Then the flush is refused with IntegrityError: "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class 'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique constraint"

    @sqlalchemy:>=2.1
    Scenario: Since 2.1, a duplicate key through asyncpg reads as UniqueViolationError
      Given employee 42 is stored with the email old@corp.example
      When an AsyncSession on asyncpg flushes a second employee 42
      Then the flush is refused with IntegrityError: "(sqlalchemy.dialects.postgresql.asyncpg.UniqueViolationError) duplicate key value violates unique constraint"
