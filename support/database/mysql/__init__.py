"""MySQL/MariaDB as the third database (issue 18): a server given by URL (``mysql+pymysql://``,
``mariadb+pymysql://``), a private MariaDB started from the machine's binaries (``--db=mariadb``), or a MariaDB
container where a Docker engine answers (``--db=mariadb-container``).

Its modules: ``own_database`` (the suite's own database in such a server: made, marked, dropped, swept), ``server``
(what the server is: MySQL or MariaDB, its version, InnoDB), ``url`` (the url provider's MySQL half), ``binaries``
and ``provider`` (the ``mariadb`` provider: its server process by the embedded PostgreSQL's rules, in
support.database.server_process), ``container`` (the ``mariadb-container`` provider: testcontainers' MySqlContainer
on MariaDB's image, by the PostgreSQL container's).

PyMySQL is the sync driver (``mysql+pymysql``), aiomysql the async one (``mysql+aiomysql``, on PyMySQL).
"""
