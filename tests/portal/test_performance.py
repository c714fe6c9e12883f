"""The read path's budget: no query when warm, a fixed number when cold, at 2 and 151 offices."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offices.models import Office
from services import overrides
from services.models import CurrentState, Service, Stage, StatusEvent, UpstreamSystem
from services.polling import Reading, record_readings
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

WARM_PATHS = [
    "/api/v1/status/",
    "/api/v1/status/?lang=en",
    "/api/v2/summary.json",
    "/api/v2/components.json",
    "/",
    "/wilayah/sumsel/",
    "/kantor/palembang/",
]


@pytest.fixture(params=[2, 151], ids=["2-offices", "151-offices"])
def offices(request) -> int:
    if request.param > 2:
        call_command("seed_demo", "--offices", str(request.param), stdout=io.StringIO())
    set_systems(pdn="degraded", cekal="down")
    recompute()
    assert Office.objects.count() == request.param
    return request.param


@pytest.mark.parametrize("path", WARM_PATHS)
def test_warm_read_touches_no_database(client, offices, path):
    first = client.get(path)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)
    assert again.status_code == 200
    if path.startswith("/api/"):  # pages differ by their per-request CSRF token only
        assert again.content == first.content
    assert [q["sql"] for q in queries.captured_queries] == []


def test_overview_stays_under_200_kib_with_a_row_per_office_at_scale(client, offices):
    html = client.get("/").content
    assert (b'<section class="region"' in html) is (offices > 2)
    assert html.count(b'<ul class="service-states">') == (offices if offices > 2 else 0)
    assert len(html) < 200 * 1024


def bulk_writes_as_one(captured: CaptureQueriesContext) -> int:
    """The statements of ``captured``, a bulk write counted once.

    SQLite caps a statement's parameters, so Django splits a large ``bulk_create`` or
    ``bulk_update`` into batches of the same statement; PostgreSQL runs each as one.
    Consecutive batches count as one.
    """
    count, previous = 0, ""
    for query in captured.captured_queries:
        sql = query["sql"].lstrip()
        head = sql[:60]
        bulk = sql.startswith("INSERT") or " = CASE WHEN " in sql
        if not (bulk and head == previous):
            count += 1
        previous = head
    return count


def test_cold_build_costs_a_fixed_number_of_queries(offices):
    """A fixed number of queries whatever the number of offices: under 20 when nothing
    changes (the snapshot's 13 and the 6 of the documents built before readers are told of
    it: advisories, incidents, maintenance windows, components' first events, read once for
    both languages), under 25 when every state changes (4 more writes)."""
    set_systems(pdn="up", cekal="up")
    with CaptureQueriesContext(connection) as first:
        recompute()
    assert set(CurrentState.objects.values_list("state", flat=True)) == {"open"}
    with CaptureQueriesContext(connection) as second:
        recompute()
    assert bulk_writes_as_one(first) < 25 and bulk_writes_as_one(second) < 20


def test_seed_demo_is_idempotent_and_keeps_history_consistent():
    call_command("seed_demo", "--offices", "12", stdout=io.StringIO())
    first = (Office.objects.count(), CurrentState.objects.count())
    call_command("seed_demo", "--offices", "12", stdout=io.StringIO())
    assert (Office.objects.count(), CurrentState.objects.count()) == first == (12, first[1])
    assert Office.objects.filter(tpi=True).exists() and Office.objects.filter(tpi=False).exists()
    demo = Office.objects.exclude(code__in=["palembang", "muara-enim"]).first()
    assert demo.services.filter(code="passport-regular").exists()


@pytest.mark.parametrize(
    "code, province, zone",
    [
        ("kanim-banda-aceh", "Aceh", "Asia/Jakarta"),
        ("kanim-denpasar", "Bali", "Asia/Makassar"),
        ("kanim-jayapura", "Papua", "Asia/Jayapura"),
        ("kanim-medan-2", "Sumatera Utara", "Asia/Jakarta"),
    ],
)
def test_demo_offices_sit_in_their_province_and_time_zone(code, province, zone):
    from portal.management.commands.seed_demo import demo_offices

    offices = {o["code"]: o for o in demo_offices(151)}
    assert len(offices) == 149
    assert (offices[code]["province"], offices[code]["timezone"]) == (province, zone)


@pytest.mark.parametrize("days", ["1", "2"])
def test_seed_demo_writes_a_short_history_too(days):
    call_command("seed_demo", "--offices", "4", "--days", days, stdout=io.StringIO())
    demo = Office.objects.exclude(code__in=["palembang", "muara-enim"])
    assert demo.count() == 2
    assert StatusEvent.objects.filter(office__in=demo).exists()


def test_seed_demo_refuses_a_database_with_real_data():
    from django.core.management.base import CommandError

    overrides.create_override(
        Office.objects.get(code="palembang"),
        stage=Stage.objects.get(code="printing"),
        state="closed",
        reason="mesin rusak",
    )
    with pytest.raises(CommandError, match="real data"):
        call_command("seed_demo", "--offices", "5")
    assert Office.objects.count() == 2
    call_command("seed_demo", "--offices", "5", "--force", stdout=io.StringIO())
    assert Office.objects.count() == 5


@pytest.mark.parametrize("bad", [["--offices", "1"], ["--offices", "5000"], ["--days", "0"]])
def test_seed_demo_refuses_bad_arguments(bad):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", *bad)
    assert Office.objects.count() == 2


# --- Every kind of change is seen on the very next read ---------------------------------------


def printing_state(client, office: str = "palembang") -> str:
    body = client.get("/api/v1/status/").json()
    found = next(o for o in body["offices"] if o["code"] == office)
    return next(s["state"] for s in found["stages"] if s["code"] == "printing")


@pytest.fixture
def warm(client):
    set_systems(pdn="up", cekal="up")
    recompute()
    assert printing_state(client) == "open"
    with CaptureQueriesContext(connection) as queries:
        assert printing_state(client) == "open"
    assert len(queries) == 0
    return client


def test_poll_result_invalidates(warm):
    record_readings(
        {"pdn": Reading(state="degraded"), "cekal": Reading(state="up")}, timezone.now()
    )
    assert printing_state(warm) == "closed"


def test_override_invalidates(warm):
    overrides.create_override(
        Office.objects.get(code="palembang"),
        stage=Stage.objects.get(code="printing"),
        state="closed",
        reason="mesin rusak",
    )
    assert printing_state(warm) == "closed"
    assert printing_state(warm, "muara-enim") == "open"


def test_closure_invalidates(warm):
    overrides.close_office(
        Office.objects.get(code="palembang"),
        reason="banjir",
        starts_at=timezone.now() - timedelta(minutes=1),
    )
    assert printing_state(warm) == "closed"


def test_declaration_invalidates(warm):
    overrides.declare_system(
        UpstreamSystem.objects.get(code="cekal"), state="down", reason="diumumkan Kanwil"
    )
    assert printing_state(warm) == "closed"
    overrides.clear_declaration(UpstreamSystem.objects.get(code="cekal"))
    assert printing_state(warm) == "open"


def test_expiry_invalidates_at_read_time_without_any_task(warm, monkeypatch):
    later = timezone.now() + timedelta(minutes=5)
    overrides.create_override(
        Office.objects.get(code="palembang"),
        service=Service.objects.get(code="passport-express"),
        state="closed",
        reason="sampai PDN pulih",
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    UpstreamSystem.objects.update(checked_at=later)  # keep the systems fresh at the later time
    recompute()

    def express(client) -> str:
        body = client.get("/api/v1/status/").json()
        found = next(o for o in body["offices"] if o["code"] == "palembang")
        return next(s["state"] for s in found["services"] if s["code"] == "passport-express")

    assert express(warm) == "closed"
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert express(warm) == "open"


def test_advisory_saved_in_the_admin_invalidates(warm, admin_client):
    from portal.models import Advisory

    response = admin_client.post(
        "/admin/portal/advisory/add/",
        {
            "title_id": "Tunda pengurusan yang tidak mendesak",
            "title_en": "Postpone non-urgent business",
            "body_id": "Pencetakan paspor menunggu perbaikan sistem.",
            "body_en": "",
            "severity": "major",
            "phase": "identified",
            "published_at": "2024-06-21T08:00",  # the browser's date-time picker
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
            "updates-MIN_NUM_FORMS": "0",
            "updates-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Advisory.objects.count() == 1
    body = warm.get("/api/v1/status/").json()
    assert [a["title"] for a in body["advisories"]] == ["Tunda pengurusan yang tidak mendesak"]
