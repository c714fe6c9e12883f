"""A real Celery worker and beat poll the real HTTP simulator; the API follows, or says stale.

The worker and beat are subprocesses on this test's database (``transactional_db``) and
its Redis (the filesystem broker of the embedded default when the run has no Redis); the
simulator is served by ``live_server``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from services.choices import FaultMode, ObservationError, SystemState
from services.models import HealthObservation, StatusEvent, UpstreamSystem
from tests.conftest import missing
from tests.stack import Stack, point_poller_at, stack_env, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POLL_SECONDS = 1.0
STALE_SECONDS = 4.0
# Failing polls must reach FAIL_THRESHOLD before the last good one goes stale, or an
# unreachable upstream reads "unknown" before "down": give the fault tests room.
FAULT_STALE_SECONDS = 20.0
FAIL_THRESHOLD = 3
RECOVER_THRESHOLD = 2
FIRST_POLL_SECONDS = 60.0  # worker and beat boot, then the first tick
FOLLOW_SECONDS = 15 * POLL_SECONDS  # "within a few poll intervals", with room for a slow host
PDN_STAGES = {"interview", "biometrics", "photo", "cekal-check", "printing"}


@pytest.fixture
def broker(request) -> str:
    """Redis when the run has it (CI requires it); else the embedded filesystem broker."""
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("redis_url")
        return "redis"
    if os.environ.get("CI_REQUIRE_SERVICES") == "1":
        missing("Redis (REDIS_URL)")
    return "filesystem"


@pytest.fixture
def health_url(settings, live_server) -> str:
    settings.SIMULATOR_HANG_SECONDS = 2.0  # the simulator runs here, in live_server
    return point_poller_at(settings, live_server.url)


@pytest.fixture
def start_stack(broker, health_url, settings, tmp_path) -> Iterator[Callable[[float], Stack]]:
    """Start worker and beat with a given staleness; stop them (and show their logs) after."""
    stacks: list[Stack] = []

    def start(stale_after: float) -> Stack:
        settings.STALE_AFTER_SECONDS = stale_after  # this process derives staleness on read
        env = stack_env(
            health_url,
            POLL_INTERVAL_SECONDS=POLL_SECONDS,
            STALE_AFTER_SECONDS=stale_after,
            FAIL_THRESHOLD=FAIL_THRESHOLD,
            RECOVER_THRESHOLD=RECOVER_THRESHOLD,
            HEALTH_CONNECT_TIMEOUT=0.5,
            HEALTH_READ_TIMEOUT=0.5,
        )
        stack = Stack(env, tmp_path)
        stacks.append(stack)
        stack.start()
        return stack

    yield start
    for stack in stacks:
        stack.stop()
        print(stack.logs())  # pytest shows it when the test failed


def status(client) -> dict:
    """Read /api/v1/status/ and the public page: both must answer 200, whatever happens."""
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/status/")
    assert response.status_code == 200
    return response.json()


def systems(document: dict) -> dict[str, str]:
    return {s["code"]: s["state"] for s in document["systems"]}


def office(document: dict, code: str) -> dict:
    return next(o for o in document["offices"] if o["code"] == code)


def services(document: dict, code: str) -> dict[str, dict]:
    return {s["code"]: s for s in office(document, code)["services"]}


def pdn_stage_states(document: dict, code: str) -> set[str]:
    return {s["state"] for s in office(document, code)["stages"] if s["code"] in PDN_STAGES}


def fresh_with(client, **expected: str) -> dict | None:
    """The status document once it is fresh and shows ``expected`` system states."""
    document = status(client)
    if document["stale"] or any(systems(document)[k] != v for k, v in expected.items()):
        return None
    return document


def last_conclusive_poll() -> datetime:
    return max(s.checked_at for s in UpstreamSystem.objects.all())


def sleep_until(moment: datetime) -> None:
    delay = (moment - timezone.now()).total_seconds()
    if delay > 0:
        time.sleep(delay)


def test_api_follows_the_flag_then_says_stale_when_the_poller_dies(start_stack, client):
    stack = start_stack(STALE_SECONDS)
    wait_until(lambda: fresh_with(client, pdn="up", cekal="up"), FIRST_POLL_SECONDS, "a poll")

    call_command("pdn", "set", "degraded", "--cekal", "down")
    document = wait_until(
        lambda: fresh_with(client, pdn="degraded", cekal="down"), FOLLOW_SECONDS, "the flag"
    )
    regular = services(document, "muara-enim")["passport-regular"]
    assert (regular["state"], regular["available_stages"]) == (
        "partial",
        ["interview", "biometrics", "photo"],
    )
    assert services(document, "palembang")["passport-express"]["state"] == "closed"

    stack.stop()  # the worker and beat die: nothing polls any more
    last = last_conclusive_poll()
    sleep_until(last + timedelta(seconds=STALE_SECONDS))
    document = status(client)  # no later than STALE_AFTER_SECONDS after the last poll
    assert document["stale"] is True
    assert set(systems(document).values()) == {SystemState.UNKNOWN}
    for code in ("palembang", "muara-enim"):
        assert pdn_stage_states(document, code) == {"unknown"}
        assert {s["state"] for s in services(document, code).values()} == {"unknown"}
    stale = StatusEvent.objects.filter(system__code="pdn", office__isnull=True, cause="stale")
    assert not stale.exists()  # reads never write
    pdn_confirmed = UpstreamSystem.objects.get(code="pdn").checked_at

    stack.start()
    document = wait_until(
        lambda: fresh_with(client, pdn="degraded", cekal="down"), FIRST_POLL_SECONDS, "recovery"
    )
    assert services(document, "muara-enim")["passport-regular"]["state"] == "partial"
    # The first poll back records the gap, at the moment the data went stale.
    assert stale.get().at == pdn_confirmed + timedelta(seconds=STALE_SECONDS)


def test_api_follows_every_flag_change_through_the_worker(start_stack, client):
    start_stack(STALE_SECONDS)
    wait_until(lambda: fresh_with(client, pdn="up"), FIRST_POLL_SECONDS, "a first poll")
    for pdn, cekal in (("down", "down"), ("degraded", "up"), ("up", "up")):
        call_command("pdn", "set", pdn, "--cekal", cekal)
        wait_until(lambda p=pdn, c=cekal: fresh_with(client, pdn=p, cekal=c), FOLLOW_SECONDS, pdn)
    assert services(status(client), "palembang")["passport-express"]["state"] == "open"


def consecutive_failures_before(observations: list[HealthObservation], moment: datetime) -> int:
    """How many failed polls in a row end at ``moment``."""
    count = 0
    for observation in reversed([o for o in observations if o.at <= moment]):
        if observation.error == "":
            break
        count += 1
    return count


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (FaultMode.TIMEOUT, ObservationError.TIMEOUT),
        (FaultMode.GARBAGE, ObservationError.MALFORMED),
    ],
)
def test_worker_declares_down_only_after_the_threshold_and_recovers(
    start_stack, client, fault, error
):
    stack = start_stack(FAULT_STALE_SECONDS)
    wait_until(lambda: fresh_with(client, pdn="up"), FIRST_POLL_SECONDS, "a first poll")
    call_command("pdn", "fault", fault)
    document = wait_until(lambda: fresh_with(client, pdn="down"), FOLLOW_SECONDS, "down")
    assert pdn_stage_states(document, "palembang") == {"closed"}
    assert services(document, "palembang")["passport-regular"]["state"] == "closed"

    went_down = StatusEvent.objects.get(
        system__code="pdn", office__isnull=True, old_state="up", new_state="down"
    )
    observations = list(HealthObservation.objects.filter(system__code="pdn").order_by("at", "id"))
    assert consecutive_failures_before(observations, went_down.at) == FAIL_THRESHOLD
    assert {o.error for o in observations if o.error} == {error}

    call_command("pdn", "fault", "none")
    wait_until(lambda: fresh_with(client, pdn="up"), FOLLOW_SECONDS, "recovery")
    observations = list(HealthObservation.objects.filter(system__code="pdn").order_by("at", "id"))
    came_back = StatusEvent.objects.get(
        system__code="pdn", office__isnull=True, old_state="down", new_state="up"
    )
    good = [o for o in observations if o.at <= came_back.at][-RECOVER_THRESHOLD:]
    assert all(o.error == "" for o in good)
    assert stack.alive()
