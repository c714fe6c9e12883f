"""The v1 read API: offices, systems, observations, events, advisories — contract and bad input."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from offices.models import Office
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory, AdvisoryUpdate
from services.choices import Cause, ServiceState, StageState, StateSource, SystemState
from services.models import HealthObservation, StatusEvent, UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def is_iso(value) -> bool:
    return value is None or isinstance(datetime.fromisoformat(value), datetime)


def get_json(client, url: str, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def assert_bad_parameter(response, field: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] == "invalid_parameter"
    assert field in error["message"]


# --- Offices --------------------------------------------------------------------------------

OFFICE_FIELDS = {
    "code",
    "name",
    "office_class",
    "tpi",
    "stages",
    "services",
    "region",
    "address",
    "timezone",
    "opening_hours",
}


def assert_office_contract(office: dict) -> None:
    assert set(office) == OFFICE_FIELDS
    assert isinstance(office["tpi"], bool) and isinstance(office["opening_hours"], dict)
    for stage in office["stages"]:
        assert set(stage) == {"code", "name", "state", "reason", "since"}
        assert stage["state"] in StageState.values and is_iso(stage["since"])
    for service in office["services"]:
        assert service["state"] in ServiceState.values
        assert all(isinstance(c, str) for c in service["available_stages"])


def test_offices_list_contract_comes_from_the_snapshot(client):
    set_systems(pdn="degraded", cekal="down")
    body = get_json(client, "/api/v1/offices/")
    assert set(body) == {"generated_at", "stale", "offices"}
    assert is_iso(body["generated_at"]) and body["stale"] is False
    assert [o["code"] for o in body["offices"]] == ["palembang", "muara-enim"]
    for office in body["offices"]:
        assert_office_contract(office)
    palembang = body["offices"][0]
    assert palembang["tpi"] is True and palembang["region"].startswith("Kanwil")
    printing = next(s for s in palembang["stages"] if s["code"] == "printing")
    assert printing["state"] == StageState.CLOSED


def test_office_detail_and_unknown_office_is_404_naming_the_code(client):
    set_systems(pdn="up", cekal="up")
    body = get_json(client, "/api/v1/offices/muara-enim/")
    assert set(body) == {"generated_at", "stale", "office"}
    assert_office_contract(body["office"])
    assert body["office"]["tpi"] is False
    assert "border-check" not in {s["code"] for s in body["office"]["stages"]}
    for lang, message in (("en", "No office 'jakarta'."), ("id", "Tidak ada kantor 'jakarta'.")):
        missing = client.get("/api/v1/offices/jakarta/", {"lang": lang})
        assert missing.status_code == 404
        assert missing.json()["error"] == {"code": "not_found", "message": message, "field": "code"}


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Unknown office"),
        ({"HTTP_ACCEPT_LANGUAGE": "id"}, "tidak dikenal"),
        ({}, "tidak dikenal"),  # Indonesian first
    ],
)
def test_a_portal_message_follows_the_language_of_the_request(client, headers, words):
    response = client.get("/api/v1/events/", {"office": "jakarta"}, **headers)
    assert response.status_code == 422
    assert words in response.json()["error"]["message"]


def test_office_names_follow_lang_and_accept_language_but_codes_do_not(client):
    set_systems(pdn="up", cekal="down")
    english = get_json(client, "/api/v1/offices/palembang/", lang="en")["office"]
    by_header = client.get("/api/v1/offices/palembang/", HTTP_ACCEPT_LANGUAGE="en").json()
    indonesian = get_json(client, "/api/v1/offices/palembang/", lang="id")["office"]
    assert by_header["office"] == english
    names = {s["code"]: s["name"] for s in english["stages"]}
    assert names["printing"] == "Passport printing"
    assert {s["code"]: s["name"] for s in indonesian["stages"]}["printing"] == "Pencetakan paspor"
    assert [s["code"] for s in english["stages"]] == [s["code"] for s in indonesian["stages"]]
    assert [s["state"] for s in english["stages"]] == [s["state"] for s in indonesian["stages"]]


def test_office_state_is_read_from_the_published_snapshot_not_recomputed(client):
    set_systems(pdn="up", cekal="up")
    recompute()
    # Changing the database without a recompute must not change what is served.
    UpstreamSystem.objects.filter(code="pdn").update(observed_state=SystemState.DOWN)
    body = get_json(client, "/api/v1/offices/palembang/")
    assert {s["state"] for s in body["office"]["stages"]} == {StageState.OPEN}


# --- Systems and observations --------------------------------------------------------------


def test_systems_contract(client):
    set_systems(pdn="degraded", cekal="down")
    body = get_json(client, "/api/v1/systems/")
    assert set(body) == {"generated_at", "stale", "systems"}
    assert [s["code"] for s in body["systems"]] == ["pdn", "cekal"]
    for system in body["systems"]:
        assert set(system) == {
            "code",
            "name",
            "state",
            "source",
            "stale",
            "checked_at",
            "changed_at",
        }
        assert system["state"] in SystemState.values and system["source"] in StateSource.values
        assert is_iso(system["checked_at"]) and is_iso(system["changed_at"])
    detail = get_json(client, "/api/v1/systems/cekal/")
    assert detail["system"]["state"] == SystemState.DOWN
    assert client.get("/api/v1/systems/simkim/").json()["error"]["field"] == "code"


def observe(code: str, state: str, at) -> HealthObservation:
    system = UpstreamSystem.objects.get(code=code)
    return HealthObservation.objects.create(system=system, state=state, latency_ms=12, at=at)


def test_observations_newest_first_with_cursor_pages(client):
    start = timezone.now() - timedelta(hours=1)
    for minute in range(5):
        observe("pdn", SystemState.UP, start + timedelta(minutes=minute))
    observe("cekal", SystemState.DOWN, start)
    first = get_json(client, "/api/v1/systems/pdn/observations/", page_size=3)
    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 3 and first["previous"] is None
    result = first["results"][0]
    assert set(result) == {"state", "error", "detail", "latency_ms", "at"}
    times = [datetime.fromisoformat(r["at"]) for r in first["results"]]
    assert times == sorted(times, reverse=True)
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert datetime.fromisoformat(second["results"][0]["at"]) < times[-1]


def test_a_cursor_is_only_one_the_api_gave_out(client):
    """A cursor's position goes into the query: one without an offset (never given out) is
    refused, not compared as a naive time."""
    start = timezone.now() - timedelta(hours=1)
    for minute in range(3):
        observe("pdn", SystemState.UP, start + timedelta(minutes=minute))
    url = "/api/v1/systems/pdn/observations/"
    given = client.get(url, {"page_size": 1}).json()["next"]
    assert client.get(given).status_code == 200
    for position in ("2000-01-02 00:00:00", "yesterday"):
        forged = base64.b64encode(urlencode({"p": position}).encode()).decode()
        answer = client.get(url, {"cursor": forged})
        assert answer.status_code == 422
        assert answer.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"lang": "en"}, "lang"),
    ],
)
def test_observations_bad_parameters_are_400_naming_them(client, query, field):
    assert_bad_parameter(client.get("/api/v1/systems/pdn/observations/", query), field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"since": "2024-06-21", "until": "2024-06-20"}, "until"),
    ],
)
def test_observations_well_formed_but_refused_parameters_are_422(client, query, field):
    response = client.get("/api/v1/systems/pdn/observations/", query)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == {
        "code": "unprocessable",
        "message": response.json()["error"]["message"],
        "field": field,
    }


def test_observations_of_unknown_system_is_404(client):
    response = client.get("/api/v1/systems/simkim/observations/")
    assert response.status_code == 404 and response.json()["error"]["field"] == "code"


# --- Events ---------------------------------------------------------------------------------


def test_events_contract_newest_first_and_filters(client):
    set_systems(pdn="down", cekal="down")
    recompute()
    set_systems(pdn="degraded", cekal="down")
    recompute()
    body = get_json(client, "/api/v1/events/", office="palembang", stage="interview")
    assert set(body) == {"next", "previous", "results"}
    results = body["results"]
    assert [(e["old_state"], e["new_state"]) for e in results[:2]] == [
        ("closed", "open"),
        ("", "closed"),
    ]
    for event in results:
        assert set(event) == {
            "id",
            "at",
            "office",
            "stage",
            "service",
            "system",
            "old_state",
            "new_state",
            "cause",
            "reason",
        }
        assert event["office"] == "palembang" and event["stage"] == "interview"
        assert event["cause"] in Cause.values and is_iso(event["at"])
    systems = get_json(client, "/api/v1/events/", system="pdn")["results"]
    assert systems and all(e["system"] == "pdn" for e in systems)
    assert any(e["office"] is None for e in systems)  # the system's own transitions


def test_event_reasons_are_translated_like_stage_reasons_but_codes_are_not(client):
    set_systems(pdn="up", cekal="down")
    recompute()
    query = {"office": "muara-enim", "stage": "printing", "cause": "system"}
    for lang in ("en", "id"):
        event = get_json(client, "/api/v1/events/", lang=lang, **query)["results"][0]
        office = get_json(client, "/api/v1/offices/muara-enim/", lang=lang)["office"]
        printing = next(s for s in office["stages"] if s["code"] == "printing")
        assert event["new_state"] == printing["state"] == StageState.CLOSED
        assert event["reason"] == printing["reason"]
        assert "cekal" in event["reason"].lower()
    english = get_json(client, "/api/v1/events/", lang="en", **query)["results"][0]
    assert english["reason"].startswith("Waiting for")


def test_events_since_until_window(client):
    office = Office.objects.get(code="palembang")
    base = timezone.make_aware(datetime(2024, 6, 20, 8, 0))
    for hours in range(4):
        StatusEvent.objects.create(
            office=office,
            old_state="open",
            new_state="closed",
            cause=Cause.SYSTEM,
            at=base + timedelta(hours=hours),
        )
    body = get_json(
        client,
        "/api/v1/events/",
        office="palembang",
        since="2024-06-20T09:00:00+07:00",
        until="2024-06-20T11:00:00+07:00",
    )
    hours = [datetime.fromisoformat(e["at"]).hour for e in body["results"]]
    assert hours == [10, 9]
    # A "+" sent unencoded arrives as a space; a bare date means the start of that day (WIB).
    spaced = client.get(
        "/api/v1/events/?since=2024-06-20T10:00:00 07:00&until=2024-06-21&office=palembang"
    )
    assert len(spaced.json()["results"]) == 2
    window = {"office": "palembang", "since": "2024-06-20", "until": "2024-06-20T09:30"}
    assert len(get_json(client, "/api/v1/events/", **window)["results"]) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"office": ""}, "office"),
        ({"office": "Jakarta Pusat"}, "office"),
        ({"cause": "magic"}, "cause"),
        ({"cause": ""}, "cause"),
        ({"since": "20-06-2024"}, "since"),
        ({"until": "2024-06-20T25:00"}, "until"),
        ({"since": "99999-01-01"}, "since"),
        ({"lang": "fr"}, "lang"),
        ({"actor": "admin"}, "actor"),
        ({"page_size": "501"}, "page_size"),
    ],
)
def test_events_bad_filters_are_400_naming_the_parameter(client, query, field):
    assert_bad_parameter(client.get("/api/v1/events/", query), field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"office": "jakarta"}, "office"),
        ({"stage": "fingerprints"}, "stage"),
        ({"service": "visa"}, "service"),
        ({"system": "simkim"}, "system"),
    ],
)
def test_events_filter_naming_an_unknown_code_is_422(client, query, field):
    response = client.get("/api/v1/events/", {**query, "lang": "en"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert query[field] in response.json()["error"]["message"]


# --- Advisories ------------------------------------------------------------------------------


def make_advisory(**fields) -> Advisory:
    now = timezone.now()
    defaults = {
        "title_id": "Layanan paspor dihentikan sementara",
        "title_en": "Passport services temporarily stopped",
        "body_id": "PDN mengalami gangguan.",
        "body_en": "The national data centre is down.",
        "severity": AdvisorySeverity.MAJOR,
        "phase": AdvisoryPhase.IDENTIFIED,
        "published_at": now - timedelta(hours=2),
    }
    return Advisory.objects.create(**{**defaults, **fields})


def test_advisories_active_and_recent_with_updates_in_language(client):
    now = timezone.now()
    active = make_advisory()
    active.offices.add(Office.objects.get(code="palembang"))
    AdvisoryUpdate.objects.create(
        advisory=active,
        phase=AdvisoryPhase.MONITORING,
        body_id="Wawancara dibuka kembali.",
        body_en="Interviews have reopened.",
        at=now - timedelta(hours=1),
    )
    make_advisory(title_id="Selesai", title_en="", phase=AdvisoryPhase.RESOLVED)
    make_advisory(title_id="Lama", title_en="", published_until=now - timedelta(days=60))
    make_advisory(title_id="Draf", title_en="", published_at=None)
    body = get_json(client, "/api/v1/advisories/", lang="en")
    assert set(body) == {"advisories"}
    titles = [a["title"] for a in body["advisories"]]
    assert "Passport services temporarily stopped" in titles and "Selesai" in titles
    assert "Lama" not in titles and "Draf" not in titles
    first = next(a for a in body["advisories"] if a["id"] == active.pk)
    assert set(first) == {
        "id",
        "title",
        "body",
        "severity",
        "phase",
        "active",
        "offices",
        "systems",
        "published_at",
        "published_until",
        "updated_at",
        "updates",
    }
    assert first["active"] is True and first["offices"] == ["palembang"]
    assert first["updates"] == [
        {
            "id": first["updates"][0]["id"],
            "phase": "monitoring",
            "body": "Interviews have reopened.",
            "at": first["updates"][0]["at"],
        }
    ]
    resolved = next(a for a in body["advisories"] if a["title"] == "Selesai")
    assert resolved["active"] is False
    by_office = get_json(client, "/api/v1/advisories/", office="muara-enim")["advisories"]
    assert active.pk not in [a["id"] for a in by_office]
    detail = get_json(client, f"/api/v1/advisories/{active.pk}/")
    assert detail["title"] == "Layanan paspor dihentikan sementara"


@pytest.mark.parametrize("path", ["/api/v1/advisories/999999/", "/api/v1/advisories/abc/"])
def test_unknown_advisory_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_draft_advisory_is_not_served(client):
    draft = make_advisory(published_at=None)
    assert client.get(f"/api/v1/advisories/{draft.pk}/").status_code == 404


def test_advisories_unknown_office_is_422(client):
    response = client.get("/api/v1/advisories/", {"office": "x"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "office"
    assert_bad_parameter(client.get("/api/v1/advisories/", {"office": ""}), "office")
