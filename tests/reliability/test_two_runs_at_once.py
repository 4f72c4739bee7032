"""Two real runs of the specification at once on one machine: on the embedded provider (one data root, one
cluster cache, two servers) and on the same url server. Each must end as it ends alone, in a database of its
own, and the second's start (with its sweep) must not touch the first one's live database."""

from __future__ import annotations

import re

import pytest

from tests.helpers import child_runs, service, workspaces

pytestmark = pytest.mark.reliability

# quick scenarios, then two behind a uvicorn server: the first run is still going when the second starts
SPEC = (
    "steps/test_savepoint_rollback.py",
    "steps/test_cascades.py",
    "steps/test_request_boundary.py",
    "-k",
    "test_savepoint_rollback or test_cascades or dependency",
    "-p",
    "no:randomly",
)
PROVIDERS = {"embedded": ("--db=embedded",), "url": ("--db=url", f"--db-url={service.SERVICE_URL}")}
RUN_DIRECTORY = re.compile(r"data in (\S+/run-\d+-[0-9a-f]+),")


@pytest.mark.parametrize("provider", child_runs.by_provider(PROVIDERS))
def test_two_runs_at_once_keep_to_themselves(provider, tmp_path):
    if provider == "url" and not service.service_answers():
        pytest.skip(f"no PostgreSQL service at {service.SERVICE_URL}")
    with workspaces.private_data_root() as root:
        env = {"SPEC_PG_DATA_ROOT": str(root)}
        alone = child_runs.run(*SPEC, *PROVIDERS[provider], f"--spec-results={tmp_path / 'alone.json'}", env=env)
        assert alone.returncode == 0, alone.stdout[-3000:]

        first = child_runs.WatchedRun(
            *SPEC, *PROVIDERS[provider], "-v", f"--spec-results={tmp_path / 'first.json'}", env=env
        )
        second = None
        try:
            assert first.wait_for_results(1), first.output[-3000:]  # its database exists and is in use
            first_databases = service.databases_marked_by(first.process.pid) if provider == "url" else set()
            second = child_runs.WatchedRun(
                *SPEC, *PROVIDERS[provider], "-v", f"--spec-results={tmp_path / 'second.json'}", env=env
            )
            assert second.wait_for_line("database: "), second.output[-3000:]  # its server started, its sweep done
            first_ran_through_the_sweep = first.process.poll() is None
            assert second.wait_for_results(1), second.output[-3000:]
            second_databases = service.databases_marked_by(second.process.pid) if provider == "url" else set()
            assert first.finish() == 0, first.output[-3000:]
            assert second.finish() == 0, second.output[-3000:]
        finally:
            first.stop()
            if second is not None:
                second.stop()

    expected = child_runs.statuses(tmp_path / "alone.json")
    assert child_runs.statuses(tmp_path / "first.json") == expected
    assert child_runs.statuses(tmp_path / "second.json") == expected
    assert first_ran_through_the_sweep, "the first run ended before the second one's start"
    assert "database swept" not in second.output  # the first one's database was live: not the sweep's to take
    if provider == "url":
        assert len(first_databases) == len(second_databases) == 1
        assert first_databases != second_databases  # a database each: one's rows never reach the other
        assert not (first_databases | second_databases) & service.spec_databases()  # both dropped at their ends
    else:  # two servers, each in a run directory of its own, started from the one cluster cache
        assert len({RUN_DIRECTORY.search(run.output).group(1) for run in (first, second)}) == 2
        assert all("cached cluster" in run.output for run in (first, second))
