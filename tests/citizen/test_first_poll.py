"""A true first screen: beat asks for a poll as it starts, so the first page a newcomer opens
shows real states instead of "cannot be confirmed" for a whole poll interval."""

from __future__ import annotations

import os

import pytest

from services.models import HealthObservation, UpstreamSystem
from services.snapshot import published
from tests.conftest import missing
from tests.stack import point_poller_at, running_stack, stack_env, wait_until

pytestmark = [
    pytest.mark.integration,
    # Seed rows come from a data migration: restore them after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Far longer than the wait below: only the start-up poll can explain an observation.
INTERVAL = 600


def stack(request, settings, live_server, tmp_path, **env):
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("redis_url")
    elif os.environ.get("CI_REQUIRE_SERVICES") == "1":
        missing("Redis (REDIS_URL)")
    url = point_poller_at(settings, live_server.url)
    return running_stack(
        stack_env(url, POLL_INTERVAL_SECONDS=INTERVAL, STALE_AFTER_SECONDS=3 * INTERVAL, **env),
        tmp_path,
    )


def test_beat_polls_once_at_start_up(request, settings, live_server, tmp_path, client):
    with stack(request, settings, live_server, tmp_path):
        wait_until(
            lambda: UpstreamSystem.objects.filter(observed_state="up").count() == 2,
            240,  # a loaded machine can take long to start a worker
            "the start-up poll",
        )
    assert HealthObservation.objects.exists()
    assert all(s.state == "up" for s in published().snapshot.systems)
    assert client.get("/api/v1/status/").json()["stale"] is False
