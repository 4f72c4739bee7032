"""The scratch root's owner marks and its one sweep rule, with real processes."""

import os
import subprocess
import sys
from pathlib import Path

import psutil

from support import scratch
from support.scratch import Owner, owner_of_mark, this_host


def a_dead_owner() -> Owner:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(ended.pid).create_time()
    ended.wait()
    return Owner(this_host(), ended.pid, started)


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
