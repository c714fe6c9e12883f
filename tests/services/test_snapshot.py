"""Recompute: one event per transition, read-time staleness, a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offices.models import Office, Region
from services import overrides
from services.models import CurrentState, Service, Stage, StatusEvent, UpstreamSystem
from services.snapshot import published, recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def office_events(office: str, **filters) -> list[tuple[str, str, str]]:
    rows = StatusEvent.objects.filter(office__code=office, **filters).order_by("id")
    return [(e.old_state, e.new_state, e.cause) for e in rows]


def test_first_recompute_records_every_stage_and_service_once():
    set_systems(pdn="up", cekal="up")
    recompute()
    # palembang: 6 stages + 3 services in season-less 2026; muara-enim: 5 stages + 3 services
    assert CurrentState.objects.count() == 17
    assert StatusEvent.objects.filter(office__isnull=False).count() == 17
    recompute()
    assert StatusEvent.objects.filter(office__isnull=False).count() == 17


def test_transition_writes_one_event_with_its_cause():
    set_systems(pdn="up", cekal="up")
    recompute()
    set_systems(pdn="degraded", cekal="down")
    recompute()
    recompute()
    assert office_events("palembang", stage__code="printing") == [
        ("", "open", "system"),
        ("open", "closed", "system"),
    ]
    regular = office_events("muara-enim", service__code="passport-regular")
    assert regular[-1] == ("open", "partial", "system")
    pdn = StatusEvent.objects.filter(system__code="pdn", office__isnull=True).order_by("id")
    assert [(e.old_state, e.new_state) for e in pdn] == [("unknown", "up"), ("up", "degraded")]


def test_staleness_appears_at_read_time_without_any_poll():
    set_systems(now=timezone.now() - timedelta(seconds=25), pdn="up", cekal="up")
    first = recompute()  # the last poll
    assert first.snapshot.stale is False
    recorded = office_events("palembang", stage__code="interview")
    later = timezone.now() + timedelta(seconds=10)  # past the 30 s default STALE_AFTER
    stale = published(now=later)
    assert stale.token != first.token
    assert stale.snapshot.stale is True
    assert stale.snapshot.office("palembang").stage("interview").state == "unknown"
    assert office_events("palembang", stage__code="interview") == recorded  # reads never write
    recompute(now=later)  # the beat's next poll, even a failing one, records it
    assert office_events("palembang", stage__code="interview")[-1] == ("open", "unknown", "stale")


def test_published_is_reused_while_valid():
    set_systems(pdn="up", cekal="up")
    first = published()
    with CaptureQueriesContext(connection) as queries:
        again = published()
    assert again.token == first.token
    assert len(queries) == 0


def test_override_event_names_actor_and_reason():
    set_systems(pdn="up", cekal="up")
    recompute()
    staff = get_user_model().objects.create_superuser("kanwil", "", "x")
    palembang = Office.objects.get(code="palembang")
    overrides.create_override(
        palembang,
        service=Service.objects.get(code="passport-express"),
        state="closed",
        reason="Dibuka kembali 1 Juli",
        actor=staff,
    )
    event = StatusEvent.objects.filter(service__code="passport-express", office=palembang).latest(
        "id"
    )
    assert (event.new_state, event.cause, event.actor, event.reason) == (
        "closed",
        "override",
        staff,
        "Dibuka kembali 1 Juli",
    )
    assert published().snapshot.office("palembang").service("passport-express").state == "closed"


def non_inserts(captured: CaptureQueriesContext) -> int:
    return sum(not q["sql"].startswith("INSERT") for q in captured.captured_queries)


def test_recompute_query_count_does_not_grow_with_offices():
    set_systems(pdn="up", cekal="up")
    recompute()

    def count() -> int:
        # SQLite splits one bulk INSERT into batches by its parameter limit; the inserts
        # are one statement each for PostgreSQL, so only the other statements are compared.
        UpstreamSystem.objects.update(observed_state="degraded")
        with CaptureQueriesContext(connection) as a:
            recompute()
        UpstreamSystem.objects.update(observed_state="up")
        with CaptureQueriesContext(connection) as b:
            recompute()
        return max(non_inserts(a), non_inserts(b))

    small = count()
    region = Region.objects.get()
    services = list(Service.objects.exclude(code="hajj-debarkation"))
    for i in range(20):
        office = Office.objects.create(
            code=f"kanim-{i}", name=f"Kanim {i}", office_class="ii", region=region
        )
        office.services.set(services)
    recompute()
    assert count() == small
    assert Stage.objects.count() == 6
