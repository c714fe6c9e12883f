"""Shared fixtures: services that must exist in CI, a clean cache, small factories."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.core.cache import cache

from services import snapshot

REQUIRE_SERVICES = os.environ.get("CI_REQUIRE_SERVICES") == "1"


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
    yield
    snapshot._local.clear()
