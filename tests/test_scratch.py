"""The scratch root's owner marks and its one sweep rule, with real processes."""

import os
import stat
import tempfile
from pathlib import Path

import psutil
import pytest

from support import scratch
from support.scratch import Owner, owner_of_mark, this_host
from tests.helpers.refusals import a_dead_owner

AS_ROOT = os.geteuid() == 0
only_as_root = pytest.mark.skipif(not AS_ROOT, reason="only root can make a directory that belongs to another user")
SQUATTER = 65534  # nobody


@pytest.fixture
def machine(tmp_path, monkeypatch) -> Path:
    """A stand-in for /dev/shm (sticky and open to all, as it is) and an empty temp directory; no SPEC_PG_DATA_ROOT."""
    shm = tmp_path / "shm"
    shm.mkdir()
    shm.chmod(0o1777)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(scratch, "SHM", shm)
    monkeypatch.setattr(scratch, "SHM_MIN_FREE", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.delenv("SPEC_PG_DATA_ROOT", raising=False)
    return shm


def marked_directory(parent: Path, owner: Owner) -> Path:
    directory = parent / f"run-{owner.pid}-{os.urandom(3).hex()}"
    directory.mkdir(parents=True)
    (directory / scratch.OWNER_FILE).write_text(owner.mark() + "\n")
    return directory


def test_a_mark_names_host_boot_pid_namespace_pid_and_start_time():
    owner = Owner.current()
    host_name, boot, namespace = owner.host.split("/")
    assert owner.mark() == f"sqlalchemy-session-spec owner {host_name}/{boot}/{namespace} pid {os.getpid()} " + (
        f"started {psutil.Process().create_time():.2f}"
    )
    assert owner_of_mark(owner.mark()) == Owner(owner.host, owner.pid, round(owner.started, 2))
    assert owner_of_mark(f"{os.getpid()} {owner.started}") is None  # not a mark of ours
    assert owner_of_mark(None) is None


def test_an_owned_directory_carries_its_makers_mark(tmp_path):
    directory = scratch.make_owned_directory(tmp_path / "logs", 0o711)
    assert directory.parent == tmp_path / "logs"
    assert directory.stat().st_mode & 0o777 == 0o711
    assert scratch.owner_of_directory(directory).pid == os.getpid()
    assert not scratch.owner_of_directory(directory).provably_dead()


def test_only_directories_of_provably_dead_owners_are_swept(tmp_path):
    dead = marked_directory(tmp_path, a_dead_owner())
    live = marked_directory(tmp_path, Owner.current())
    elsewhere = marked_directory(tmp_path, Owner(f"elsewhere/{this_host()}", a_dead_owner().pid, 1.0))
    reused = marked_directory(tmp_path, Owner(this_host(), os.getpid(), 1.0))  # our pid, another start time
    unmarked_live = tmp_path / f"run-{os.getpid()}-aaaaaa"  # being made right now
    unmarked_dead = tmp_path / f"run-{a_dead_owner().pid}-bbbbbb"  # its maker died before marking it
    unmarked_live.mkdir()
    unmarked_dead.mkdir()
    assert scratch.sweep_dead_owners(tmp_path) == sorted([dead, reused, unmarked_dead])
    assert sorted(tmp_path.iterdir()) == sorted([live, elsewhere, unmarked_live])


def test_a_directory_whose_contents_will_not_end_is_kept(tmp_path):
    dead = marked_directory(tmp_path, a_dead_owner())
    assert scratch.sweep_dead_owners(tmp_path, release=lambda directory: False) == []
    assert dead.exists()


def test_unfinished_pieces_of_ended_makers_are_swept(tmp_path):
    final = tmp_path / "18.6-0123456789ab"
    mine = scratch.unfinished(final, "building")
    assert mine.name == f"18.6-0123456789ab.building-{os.getpid()}"
    left = tmp_path / f"18.6-0123456789ab.copying-{a_dead_owner().pid}"
    for path in (final, mine, left):
        path.mkdir()
    (tmp_path / "18.6-0123456789ab.lock").touch()
    assert scratch.sweep_unfinished(tmp_path) == [left]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([final.name, mine.name, f"{final.name}.lock"])


# --- where: a root of each user's own, that no other user can take ----------------------------------------


def private(directory: Path) -> bool:
    info = directory.lstat()
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode)
        == (
            0o711 if AS_ROOT else 0o700  # as root, the server's unprivileged account must pass through
        )
    )


def test_each_user_has_a_private_root_of_their_own_by_default(machine):
    root = scratch.data_root()
    assert root == machine / f"sqlalchemy-session-spec-{os.geteuid()}"
    assert private(root)
    assert scratch.prepared_root() == scratch.data_root() == root


def test_without_room_in_dev_shm_the_root_is_in_the_temp_directory(machine, monkeypatch):
    monkeypatch.setattr(scratch, "SHM_MIN_FREE", 2**62)
    assert scratch.data_root() == Path(tempfile.gettempdir()) / f"sqlalchemy-session-spec-{os.geteuid()}"


def test_spec_pg_data_root_still_wins(machine, tmp_path, monkeypatch):
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(tmp_path / "mine"))
    assert scratch.data_root() == tmp_path / "mine" / "sqlalchemy-session-spec"
    assert not (tmp_path / "mine").exists()  # only named: made when a provider prepares it


@only_as_root
def test_a_directory_another_user_made_at_the_name_does_not_lock_us_out(machine):
    squatted = machine / f"sqlalchemy-session-spec-{os.geteuid()}"
    squatted.mkdir(mode=0o777)
    os.chown(squatted, SQUATTER, SQUATTER)
    root = scratch.prepared_root()
    assert root.parent == machine
    assert root.name.startswith(f"{squatted.name}-")
    assert private(root)
    assert scratch.data_root() == root  # found again: every later run of this user uses the same one
    assert squatted.stat().st_uid == SQUATTER  # theirs is left alone


@only_as_root
def test_squatted_random_names_are_passed_over_too(machine):
    for name in ("", "-aaaaaaaa", "-00000000"):
        squatted = machine / f"sqlalchemy-session-spec-{os.geteuid()}{name}"
        squatted.mkdir()
        os.chown(squatted, SQUATTER, SQUATTER)
    root = scratch.data_root()
    assert private(root)
    assert root.stat().st_uid == os.geteuid()


def test_a_link_or_a_file_at_the_name_is_never_taken_for_our_root(machine, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (machine / f"sqlalchemy-session-spec-{os.geteuid()}").symlink_to(elsewhere)
    (machine / f"sqlalchemy-session-spec-{os.geteuid()}-link").symlink_to(elsewhere)
    root = scratch.data_root()
    assert root.parent == machine
    assert not root.is_symlink()
    assert private(root)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755
    assert not list(elsewhere.iterdir())


@only_as_root
def test_the_url_bookkeeping_is_kept_in_the_users_own_root_when_the_scratch_root_is_not_theirs(
    machine, tmp_path, monkeypatch
):
    theirs = tmp_path / "theirs"
    (theirs / "sqlalchemy-session-spec").mkdir(parents=True)
    os.chown(theirs / "sqlalchemy-session-spec", SQUATTER, SQUATTER)
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(theirs))
    assert scratch.pending_databases() == scratch.own_root() / "pending-databases"
    assert scratch.app_logs() == scratch.own_root() / "app-logs"
    assert not list((theirs / "sqlalchemy-session-spec").iterdir())


def test_the_url_bookkeeping_stays_in_a_scratch_root_of_ours(machine, tmp_path, monkeypatch):
    monkeypatch.setenv("SPEC_PG_DATA_ROOT", str(tmp_path / "mine"))
    assert scratch.pending_databases() == tmp_path / "mine" / "sqlalchemy-session-spec" / "pending-databases"


@only_as_root
def test_a_process_keeps_the_root_it_chose_when_another_fallback_appears(machine):
    squatted = machine / f"sqlalchemy-session-spec-{os.geteuid()}"
    squatted.mkdir()
    os.chown(squatted, SQUATTER, SQUATTER)
    chosen = scratch.data_root()
    (machine / f"{squatted.name}-0000").mkdir()  # another first run of ours at the same moment made its own
    assert scratch.data_root() == chosen


def test_a_temp_directory_where_nothing_can_be_made_is_refused_in_one_line(machine, tmp_path, monkeypatch):
    monkeypatch.setattr(scratch, "SHM_MIN_FREE", 2**62)  # no room in /dev/shm: the temp directory it is
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "a-file" / "tmp"))
    root = scratch.data_root()
    assert root == tmp_path / "a-file" / "tmp" / f"sqlalchemy-session-spec-{os.geteuid()}"
    with pytest.raises(scratch.ScratchRootRefused, match=r"^cannot create .+: set SPEC_PG_DATA_ROOT to a writable"):
        scratch.prepared_root()
    assert scratch.pending_databases() is None  # the url provider goes on without its entries
