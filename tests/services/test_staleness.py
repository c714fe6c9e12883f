"""Staleness is derived at read time from the last conclusive observation's age."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from services import overrides
from services.choices import Cause, ObservationError, StageState, StateSource, SystemState
from services.gating import SystemInput, system_status
from services.models import StatusEvent, UpstreamSystem
from services.polling import Reading, record_readings
from services.snapshot import published, recompute
from tests.factories import set_systems

STALE = timedelta(seconds=30)
T0 = timezone.make_aware(datetime(2024, 6, 21, 8, 0))
UP = Reading(state=SystemState.UP)
TIMEOUT = Reading(error=ObservationError.TIMEOUT)

pytestmark = pytest.mark.django_db


# --- The engine (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "manual", "age", "state", "stale"),
    [
        ("up", "", timedelta(0), "up", False),
        ("up", "", STALE - timedelta(microseconds=1), "up", False),
        ("up", "", STALE, "unknown", True),
        ("down", "", STALE * 10, "unknown", True),
        ("", "", timedelta(0), "unknown", False),  # polled, nothing conclusive yet
        ("", "", None, "unknown", True),  # never polled
        ("up", "down", STALE * 10, "down", False),  # a declaration does not age
        ("", "degraded", None, "degraded", False),
    ],
)
def test_system_state_by_age_of_its_last_observation(observed, manual, age, state, stale):
    checked_at = None if age is None else T0 - age
    status = system_status(SystemInput("pdn", "PDN", observed, manual, checked_at), T0, STALE)
    assert (status.state, status.stale) == (state, stale)
    assert status.source == (StateSource.MANUAL if manual else StateSource.POLLER)


# --- Snapshot and API ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _stale_after(settings):
    settings.STALE_AFTER_SECONDS = STALE.total_seconds()
    settings.FAIL_THRESHOLD = 3


def test_stages_that_need_a_stale_system_become_unknown():
    set_systems(now=T0, pdn="up", cekal="up")
    snap = published(now=T0 + STALE).snapshot
    assert snap.stale is True
    assert {s.code: s.state for s in snap.systems} == {"pdn": "unknown", "cekal": "unknown"}
    palembang = snap.office("palembang")
    assert {s.state for s in palembang.stages if s.code != "border-check"} == {"unknown"}
    assert palembang.stage("border-check").state == StageState.OPEN  # needs no system
    assert palembang.service("passport-regular").state == "unknown"
    assert palembang.service("passport-express").state == "unknown"


def test_a_published_snapshot_is_not_reused_once_staleness_is_due():
    set_systems(now=T0, pdn="up", cekal="up")
    fresh = published(now=T0 + STALE - timedelta(seconds=1))
    assert fresh.snapshot.valid_until == T0 + STALE
    assert published(now=T0 + STALE - timedelta(milliseconds=1)).token == fresh.token
    stale = published(now=T0 + STALE)  # no poll ran: the read path notices on its own
    assert stale.token != fresh.token
    assert stale.snapshot.stale is True


def test_staleness_writes_events_with_cause_stale():
    set_systems(now=T0, pdn="up", cekal="up")
    recompute(now=T0)
    recompute(now=T0 + STALE)  # a poll's recompute with nothing new observed
    pdn = StatusEvent.objects.filter(system__code="pdn", office__isnull=True).latest("id")
    assert (pdn.old_state, pdn.new_state, pdn.cause) == ("up", "unknown", Cause.STALE)
    printing = StatusEvent.objects.filter(office__code="palembang", stage__code="printing")
    assert (printing.latest("id").new_state, printing.latest("id").cause) == ("unknown", "stale")


def test_failures_below_the_threshold_do_not_keep_data_fresh():
    record_readings({"pdn": UP, "cekal": UP}, T0)
    record_readings({"pdn": TIMEOUT, "cekal": TIMEOUT}, T0 + STALE / 2)
    record_readings({"pdn": TIMEOUT, "cekal": TIMEOUT}, T0 + STALE - timedelta(seconds=1))
    assert published(now=T0 + STALE).snapshot.system("pdn").state == SystemState.UNKNOWN


def test_failures_past_the_threshold_are_fresh_knowledge_of_down():
    record_readings({"pdn": UP, "cekal": UP}, T0)
    for n in range(1, 4):
        record_readings({"pdn": TIMEOUT, "cekal": UP}, T0 + n * STALE / 4)
    snap = published(now=T0 + STALE).snapshot
    assert (snap.system("pdn").state, snap.stale) == (SystemState.DOWN, False)


def test_a_good_poll_clears_staleness():
    record_readings({"pdn": UP, "cekal": UP}, T0)
    assert published(now=T0 + STALE).snapshot.stale is True
    later = T0 + 3 * STALE
    record_readings({"pdn": UP, "cekal": UP}, later)
    snap = published(now=later).snapshot
    assert snap.stale is False
    assert snap.office("palembang").service("passport-regular").state == "open"
    interview = StatusEvent.objects.filter(office__code="palembang", stage__code="interview")
    assert [(e.old_state, e.new_state) for e in interview.order_by("id")] == [
        ("", "open"),
        ("open", "unknown"),
        ("unknown", "open"),
    ]


def test_a_poll_after_the_poller_was_down_records_the_gap_at_its_moments():
    """Reads never write, so while nothing polls nothing is recorded; the first poll back
    records the data going stale when it did, then the recovery."""
    record_readings({"pdn": UP, "cekal": UP}, T0)
    assert published(now=T0 + 10 * STALE).snapshot.stale is True
    pdn = StatusEvent.objects.filter(system__code="pdn", office__isnull=True)
    assert not pdn.filter(new_state=SystemState.UNKNOWN).exists()  # the read wrote nothing
    record_readings({"pdn": UP, "cekal": UP}, T0 + 20 * STALE)
    gap = [(e.old_state, e.new_state, e.cause, e.at) for e in pdn.order_by("id")][-2:]
    assert gap == [
        ("up", "unknown", Cause.STALE, T0 + STALE),
        ("unknown", "up", Cause.SYSTEM, T0 + 20 * STALE),
    ]


def test_api_reports_stale_and_unknown_with_a_reason(client):
    set_systems(now=timezone.now() - STALE - timedelta(seconds=1), pdn="up", cekal="up")
    document = client.get("/api/v1/status/?lang=en").json()
    assert document["stale"] is True
    assert {s["state"] for s in document["systems"]} == {"unknown"}
    palembang = next(o for o in document["offices"] if o["code"] == "palembang")
    interview = next(s for s in palembang["stages"] if s["code"] == "interview")
    assert interview["state"] == "unknown"
    assert "no recent data" in interview["reason"]


def test_api_is_not_stale_on_fresh_data(client):
    set_systems(pdn="up", cekal="up")
    document = client.get("/api/v1/status/").json()
    assert document["stale"] is False
    assert {s["state"] for s in document["systems"]} == {"up"}


def test_a_declared_system_is_never_stale(client):
    set_systems(now=timezone.now() - 10 * STALE, pdn="up", cekal="up")
    for code in ("pdn", "cekal"):
        system = UpstreamSystem.objects.get(code=code)
        overrides.declare_system(system, state="up", reason="Dipantau manual oleh Kanwil")
    document = client.get("/api/v1/status/").json()
    assert document["stale"] is False
    assert {(s["state"], s["source"]) for s in document["systems"]} == {("up", "manual")}
