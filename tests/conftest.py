"""Shared fixtures: services that must exist in CI, a clean cache, small factories."""

from __future__ import annotations

import os
import shutil
import socket
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
import time_machine
from django.core.cache import cache
from django.db import connections
from django.utils.dateparse import parse_datetime

from portal import prepared
from services import snapshot

REQUIRE_SERVICES = os.environ.get("CI_REQUIRE_SERVICES") == "1"


def pinned_instant() -> datetime | None:
    """The instant ``TEST_NOW`` names (any ISO 8601 instant with its offset), or None."""
    raw = os.environ.get("TEST_NOW", "").strip()
    if not raw:
        return None
    instant = parse_datetime(raw.replace("Z", "+00:00"))
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(
            f"TEST_NOW must be an ISO 8601 instant with an offset, e.g. 2026-11-30T03:00:00Z; "
            f"got {raw!r}"
        )
    return instant


# Where TEST_NOW is unset: Wednesday 25 November 2026, 10:00 WIB (11:00 WITA, 12:00 WIT), a
# working morning far from any midnight, week or month end, so that a run never depends on
# the hour or the day it happens to start at.
DEFAULT_NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TEST_NOW = pinned_instant() or DEFAULT_NOW


def pytest_report_header() -> str:
    return f"TEST_NOW: {TEST_NOW.isoformat()} (non-integration tests start at this instant)"


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """Run each non-integration test as if ``TEST_NOW`` were now (the clock then ticks on).

    Integration tests start real processes, whose clocks cannot be moved; they keep the
    wall clock and assert nothing that changes with it.
    """
    if request.node.get_closest_marker("integration"):
        yield
        return
    with time_machine.travel(TEST_NOW, tick=True):
        yield


def missing(what: str) -> None:
    """Skip a test whose service is absent, or fail it where CI requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (CI_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    """The Redis URL the suite runs against (``REDIS_URL``)."""
    url = os.environ.get("REDIS_URL")
    if not url or not reachable(url):
        missing("Redis (REDIS_URL)")
    return url


@pytest.fixture
def postgres(settings) -> None:
    """Require the suite to run on PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing("PostgreSQL (DATABASE_URL)")


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing("Chromium")
    return path


@pytest.fixture
def nginx_path() -> str:
    path = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not path:
        missing("nginx")
    return path


# As root in a closed network: no sandbox, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(chromium_path: str):
    """Headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
        # Playwright runs an event loop on this thread, so Django keeps the ORM connections
        # made beside it apart from the test's own (asgiref's Local follows the context):
        # close them here, or the test database cannot be dropped at the end.
        connections.close_all()


@pytest.fixture
def live_browser_settings(settings, monkeypatch):
    """Fresh observations, static files by source name, blocking ORM calls beside Playwright."""
    settings.STALE_AFTER_SECONDS = 3600.0
    # The live server's static handler finds files by their source names; whitenoise's
    # hashed names are covered by the page tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Playwright's sync API keeps an event loop on this thread; the ORM calls made between
    # browser steps are ordinary blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return settings


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no published snapshot."""
    cache.clear()
    snapshot._local.clear()
    prepared.forget()
    yield
    snapshot._local.clear()
    prepared.forget()
