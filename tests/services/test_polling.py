"""The poller: reading health documents, observations, hysteresis with controlled time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from services import polling, snapshot
from services.choices import Cause, ObservationError, StageState, SystemState
from services.models import HealthObservation, StatusEvent, UpstreamSystem
from services.polling import Fetched, Reading, parse, read_field, record_readings
from services.snapshot import published

pytestmark = pytest.mark.django_db

UP = Reading(state=SystemState.UP, latency_ms=12)
DEGRADED = Reading(state=SystemState.DEGRADED, latency_ms=12)
DOWN = Reading(state=SystemState.DOWN, latency_ms=12)
TIMEOUT = Reading(error=ObservationError.TIMEOUT, detail="ReadTimeout", latency_ms=500)
T0 = timezone.make_aware(datetime(2024, 6, 20, 6, 0))
TICK = timedelta(seconds=10)


def poll(n: int, pdn: Reading, cekal: Reading = UP) -> datetime:
    """Record the ``n``-th poll (at T0 + n ticks) and return its time."""
    now = T0 + n * TICK
    record_readings({"pdn": pdn, "cekal": cekal}, now)
    return now


def system(code: str = "pdn") -> UpstreamSystem:
    return UpstreamSystem.objects.get(code=code)


def effective(now: datetime, code: str = "pdn") -> str:
    return published(now=now).snapshot.system(code).state


def interview(now: datetime) -> str:
    return published(now=now).snapshot.office("palembang").stage("interview").state


def pdn_events() -> list[tuple[str, str, str]]:
    rows = StatusEvent.objects.filter(system__code="pdn", office__isnull=True).order_by("id")
    return [(e.old_state, e.new_state, e.cause) for e in rows]


# --- Reading a health document ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path", "state", "error"),
    [
        (b'{"status": "up", "components": {"cekal": "down"}}', "status", "up", ""),
        (b'{"status": "up", "components": {"cekal": "down"}}', "components.cekal", "down", ""),
        (b'{"status": "degraded"}', "status", "degraded", ""),
        (b'{"status": "unknown"}', "status", "", "malformed"),
        (b'{"status": "UP"}', "status", "", "malformed"),
        (b'{"status": ["up"]}', "status", "", "malformed"),
        (b'{"status": {"up": 1}}', "status", "", "malformed"),
        (b'{"status": null}', "status", "", "malformed"),
        (b'{"other": "up"}', "status", "", "malformed"),
        (b'{"components": "up"}', "components.cekal", "", "malformed"),
        (b'["up"]', "status", "", "malformed"),
        (b"<html>\x00{not json", "status", "", "malformed"),
        (b"\xff\xfe", "status", "", "malformed"),
        (b"", "status", "", "malformed"),
    ],
)
def test_health_document_is_read_or_refused_as_malformed(body, path, state, error):
    reading = read_field(parse(body, latency_ms=7), path)
    assert (reading.state, reading.error) == (state, error)
    assert reading.latency_ms == 7


def test_failed_fetch_passes_its_error_to_every_system():
    fetched = Fetched(None, ObservationError.HTTP, "HTTP 500", 30)
    assert read_field(fetched, "components.cekal") == Reading(
        error=ObservationError.HTTP, detail="HTTP 500", latency_ms=30
    )


def test_fetch_of_a_closed_port_is_a_connection_error_not_an_exception(settings):
    settings.HEALTH_CONNECT_TIMEOUT = 0.5
    fetched = polling.fetch("http://127.0.0.1:9/simulator/pdn/health")
    assert (fetched.document, fetched.error) == (None, ObservationError.CONNECTION)


@pytest.mark.parametrize("url", ["not a url", "http://", "ftp://127.0.0.1/health"])
def test_fetch_of_a_malformed_url_is_a_failed_poll(url):
    assert polling.fetch(url).error == ObservationError.CONNECTION


def test_system_without_a_health_url_reads_as_a_failure(settings):
    settings.HEALTH_URLS = {"pdn": "", "cekal": ""}
    readings = polling.read_systems(list(UpstreamSystem.objects.all()))
    assert {code: r.error for code, r in readings.items()} == {
        "pdn": ObservationError.CONNECTION,
        "cekal": ObservationError.CONNECTION,
    }


# --- Observations and retention -----------------------------------------------------------


def test_every_poll_records_one_observation_per_system():
    poll(0, UP, DOWN)
    poll(1, TIMEOUT, TIMEOUT)
    rows = HealthObservation.objects.order_by("at", "system__code")
    assert [(o.system.code, o.state, o.error, o.latency_ms) for o in rows] == [
        ("cekal", "down", "", 12),
        ("pdn", "up", "", 12),
        ("cekal", "", "timeout", 500),
        ("pdn", "", "timeout", 500),
    ]
    assert rows.last().detail == "ReadTimeout"


def test_prune_deletes_only_observations_past_retention(settings):
    settings.OBSERVATION_RETENTION_DAYS = 14
    pdn = system()
    now = timezone.now()
    for age in (timedelta(days=30), timedelta(days=14, seconds=1), timedelta(days=13), TICK):
        HealthObservation.objects.create(system=pdn, state="up", at=now - age)
    assert polling.prune_observations(now=now) == 2
    kept = sorted(now - o.at for o in HealthObservation.objects.all())
    assert kept == [TICK, timedelta(days=13)]
    assert polling.prune_observations(now=now) == 0


def test_prune_task_runs_from_the_beat_schedule(settings):
    from services.tasks import prune_observations_task

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "services.tasks.prune_observations_task" in scheduled
    HealthObservation.objects.create(
        system=system(), state="up", at=timezone.now() - timedelta(days=400)
    )
    assert prune_observations_task() == 1
    assert not HealthObservation.objects.exists()


def test_failed_recompute_leaves_no_observation_or_counter_half_written(monkeypatch):
    poll(0, UP)
    before = system()

    def crash(**kwargs):
        raise DatabaseError("worker lost mid-task")

    # A worker killed between the observations and the recompute cannot be timed for real.
    monkeypatch.setattr(polling, "recompute", crash)
    with pytest.raises(DatabaseError):
        poll(1, TIMEOUT)
    after = system()
    assert HealthObservation.objects.filter(system=after).count() == 1
    assert (after.consecutive_failures, after.checked_at) == (0, before.checked_at)


# --- Hysteresis ---------------------------------------------------------------------------


def test_one_failed_poll_does_not_close_anything(settings):
    settings.FAIL_THRESHOLD = 2
    poll(0, UP)
    now = poll(1, TIMEOUT)
    assert effective(now) == SystemState.UP
    assert interview(now) == StageState.OPEN
    assert system().consecutive_failures == 1


def test_fail_threshold_consecutive_failures_declare_down(settings):
    settings.FAIL_THRESHOLD = 3
    poll(0, UP)
    poll(1, TIMEOUT)
    now = poll(2, TIMEOUT)
    assert effective(now) == SystemState.UP
    now = poll(3, TIMEOUT)
    assert effective(now) == SystemState.DOWN
    assert interview(now) == StageState.CLOSED
    assert (system().observed_error, system().checked_at) == (ObservationError.TIMEOUT, now)
    assert pdn_events() == [("unknown", "up", Cause.SYSTEM), ("up", "down", Cause.SYSTEM)]


def test_alternating_blips_never_flap(settings):
    settings.FAIL_THRESHOLD = 2
    poll(0, UP)
    for n in range(1, 9):
        now = poll(n, TIMEOUT if n % 2 else UP)
        assert effective(now) == SystemState.UP
    assert pdn_events() == [("unknown", "up", Cause.SYSTEM)]


def test_recovery_after_failures_needs_recover_threshold_good_polls(settings):
    settings.FAIL_THRESHOLD, settings.RECOVER_THRESHOLD = 2, 3
    poll(0, UP)
    poll(1, TIMEOUT)
    poll(2, TIMEOUT)
    for n in (3, 4):
        now = poll(n, UP)
        assert effective(now) == SystemState.DOWN
        assert system().checked_at == now  # reachable again: the data is fresh, not stale
    now = poll(5, UP)
    assert effective(now) == SystemState.UP
    assert interview(now) == StageState.OPEN


def test_a_failure_during_recovery_restarts_the_count(settings):
    settings.FAIL_THRESHOLD, settings.RECOVER_THRESHOLD = 2, 2
    for n, reading in enumerate([UP, TIMEOUT, TIMEOUT, UP, TIMEOUT, UP]):
        now = poll(n, reading)
    assert effective(now) == SystemState.DOWN
    now = poll(6, UP)
    assert effective(now) == SystemState.UP


def test_a_reported_state_is_believed_at_once(settings):
    settings.RECOVER_THRESHOLD = 5
    poll(0, UP)
    assert effective(poll(1, DOWN)) == SystemState.DOWN
    assert effective(poll(2, DEGRADED)) == SystemState.DEGRADED
    assert effective(poll(3, UP)) == SystemState.UP


def test_a_reported_down_ends_the_wait_for_recovery(settings):
    settings.FAIL_THRESHOLD, settings.RECOVER_THRESHOLD = 2, 5
    poll(0, UP)
    poll(1, TIMEOUT)
    poll(2, TIMEOUT)
    poll(3, DOWN)  # reachable, and says so itself: the failure-down is over
    assert system().observed_error == ""
    assert effective(poll(4, DEGRADED)) == SystemState.DEGRADED


def test_cekal_is_read_from_its_own_field_with_its_own_hysteresis(settings):
    settings.FAIL_THRESHOLD = 2
    poll(0, UP, UP)
    now = poll(1, UP, Reading(error=ObservationError.MALFORMED))
    assert effective(now, "cekal") == SystemState.UP
    now = poll(2, UP, Reading(error=ObservationError.MALFORMED))
    assert (effective(now, "pdn"), effective(now, "cekal")) == (SystemState.UP, SystemState.DOWN)
    printing = published(now=now).snapshot.office("palembang").stage("printing")
    assert (printing.state, printing.waiting_for) == (StageState.CLOSED, ("cekal",))


def test_record_readings_publishes_what_it_recorded():
    bundle = record_readings({"pdn": DEGRADED, "cekal": DOWN}, T0)
    assert snapshot.published(now=T0).token == bundle.token
    regular = bundle.snapshot.office("muara-enim").service("passport-regular")
    assert regular.available_stages == ("interview", "biometrics", "photo")
