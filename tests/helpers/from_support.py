"""Everything the test helpers (and the reliability tests) use of support/, in one module: where support/ moves
a name, only this file changes."""

from support.database.account import server_account
from support.database.container import PINNED_IMAGE
from support.database.embedded.binaries import default_bin_dir
from support.database.embedded.cluster_cache import SUPERUSER, cache_dir_for
from support.database.embedded.shared_memory import sysv_segments
from support.database.own_database import PREFIX, as_async_url, new_database_name, own_database
from support.processes import gone
from support.scratch import PRODUCT_DIR, Owner, data_root, owner_of_mark, this_host

__all__ = [
    "PINNED_IMAGE",
    "PREFIX",
    "PRODUCT_DIR",
    "SUPERUSER",
    "Owner",
    "as_async_url",
    "cache_dir_for",
    "data_root",
    "default_bin_dir",
    "gone",
    "new_database_name",
    "own_database",
    "owner_of_mark",
    "server_account",
    "sysv_segments",
    "this_host",
]
