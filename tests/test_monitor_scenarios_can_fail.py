"""The request-boundary monitor's and the active-session gauge's scenarios can fail: each one, changed in a copy of
the features so that its application is fixed (or broken), fails when the copy runs on real servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.flips import Flip, assert_every_flip_fails

ROOT = Path(__file__).resolve().parent.parent
AREA, MONITOR, GAUGE = "guarding_the_request_boundary", "the_request_boundary_monitor", "the_active_session_gauge"
NOT_REMOVED, REMOVED = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"
NOT_CLOSED, CLOSED = "| FastAPI dependency closes its session | no |", "| FastAPI dependency closes its session | yes |"
NEVER, AT_THE_END = "scoped session is never removed", "scoped session is removed at the end of each request"

FLIPS = [
    Flip(MONITOR, "The incident's application: each read is reported in one line, and the counter rises with it",
         NOT_REMOVED, REMOVED),
    Flip(MONITOR, "The fixed application removes the session at teardown, and nothing is reported",
         REMOVED, NOT_REMOVED),
    Flip(MONITOR, "A sync dependency yields a session and never closes it", NOT_CLOSED, CLOSED),
    Flip(MONITOR, "The sync dependency closes its session, and nothing is reported", CLOSED, NOT_CLOSED),
    Flip(MONITOR, "An async dependency yields an AsyncSession and never closes it", NOT_CLOSED, CLOSED),
    Flip(MONITOR, "The async dependency closes its AsyncSession, and nothing is reported", CLOSED, NOT_CLOSED),
    Flip(MONITOR, "Never removed, the request fails with SessionOutlivedRequest", NEVER, AT_THE_END),
    Flip(MONITOR, "Removed at the end of each request, the request succeeds", AT_THE_END, NEVER),
    Flip(MONITOR, "Given no scoped_session, three requests that use no session: one line, at the first",
         "given no scoped_session", "given its scoped_session"),
    Flip(GAUGE, "Four server threads, four clients, never removed", NOT_REMOVED, REMOVED),
    Flip(GAUGE, "Four server threads, four clients, removed at teardown", REMOVED, NOT_REMOVED),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_every_flipped_monitor_and_gauge_scenario_fails(tmp_path, spec_server, database):
    assert_every_flip_fails(tmp_path, spec_server, AREA, FLIPS, database)
