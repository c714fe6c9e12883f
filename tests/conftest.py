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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no published snapshot."""
    cache.clear()
    snapshot._local.clear()
    yield
    snapshot._local.clear()
