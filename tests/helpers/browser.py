"""Chromium for the tests that open the living documentation from disk: Debian's browser, driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def playwright_or_skip():
    """Playwright's sync API once Chromium is known to be installed; the test is skipped otherwise (failed, with
    SPEC_REQUIRE_BROWSER set)."""
    if chromium() is None:
        message = "no Chromium found: install Debian's chromium package (apt-get install -y chromium)"
        if os.environ.get("SPEC_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
