"""GET /api/v1/status/: the contract, the June 2024 answers, bad input, conditional requests."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

SYSTEM_STATES = {"up", "degraded", "down", "unknown"}
STAGE_STATES = {"open", "closed", "unknown"}
SERVICE_STATES = {"open", "partial", "closed", "unknown"}


def is_iso(value) -> bool:
    return value is None or isinstance(datetime.fromisoformat(value), datetime)


def get_status(client, **params):
    response = client.get("/api/v1/status/", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_contract_fields_types_and_values(client):
    set_systems(pdn="degraded", cekal="down")
    body = get_status(client)
    assert set(body) == {"generated_at", "stale", "systems", "offices", "advisories"}
    assert is_iso(body["generated_at"]) and isinstance(body["stale"], bool)
    for system in body["systems"]:
        assert set(system) == {"code", "name", "state", "source", "checked_at", "changed_at"}
        assert system["state"] in SYSTEM_STATES and system["source"] in {"poller", "manual"}
        assert is_iso(system["checked_at"]) and is_iso(system["changed_at"])
    assert [o["code"] for o in body["offices"]] == ["palembang", "muara-enim"]
    for office in body["offices"]:
        assert set(office) == {"code", "name", "office_class", "tpi", "stages", "services"}
        assert isinstance(office["tpi"], bool)
        for stage in office["stages"]:
            assert set(stage) == {"code", "name", "state", "reason", "since"}
            assert stage["state"] in STAGE_STATES and isinstance(stage["reason"], str)
            assert is_iso(stage["since"])
        for service in office["services"]:
            assert set(service) == {
                "code",
                "name",
                "state",
                "available_stages",
                "waiting_stages",
                "reason",
            }
            assert service["state"] in SERVICE_STATES
    assert body["advisories"] == []


def services_of(body, office):
    found = next(o for o in body["offices"] if o["code"] == office)
    return {s["code"]: s for s in found["services"]}


@pytest.mark.parametrize("office", ["palembang", "muara-enim"])
def test_partial_reopening_answers(client, office):
    set_systems(pdn="degraded", cekal="down")
    services = services_of(get_status(client), office)
    assert services["passport-regular"]["state"] == "partial"
    assert services["passport-regular"]["available_stages"] == ["interview", "biometrics", "photo"]
    assert services["passport-regular"]["waiting_stages"] == ["cekal-check", "printing"]
    assert services["passport-express"]["state"] == "closed"
    assert services["foreign-stay-permit"]["state"] == "partial"
    assert services["foreign-stay-permit"]["available_stages"] == ["biometrics"]


def test_pdn_down_closes_every_dependent_stage_and_up_opens_all(client):
    set_systems(pdn="down", cekal="up")
    body = get_status(client)
    for office in body["offices"]:
        states = {s["code"]: s["state"] for s in office["stages"] if s["code"] != "border-check"}
        assert set(states.values()) == {"closed"}, office["code"]
    set_systems(pdn="up", cekal="up")
    recompute()
    body = get_status(client)
    for office in body["offices"]:
        assert {s["state"] for s in office["stages"]} == {"open"}
        assert {s["state"] for s in office["services"]} == {"open"}


def test_reason_is_in_the_requested_language(client):
    set_systems(pdn="up", cekal="down")
    english = get_status(client, lang="en")
    printing = next(s for s in english["offices"][0]["stages"] if s["code"] == "printing")
    assert printing["name"] == "Passport printing"
    assert "cekal" in printing["reason"].lower()
    indonesian = get_status(client, lang="id")
    printing_id = next(s for s in indonesian["offices"][0]["stages"] if s["code"] == "printing")
    assert printing_id["name"] == "Pencetakan paspor"
    assert printing_id["state"] == printing["state"] == "closed"


@pytest.mark.parametrize(
    ("query", "field"),
    [("?lang=fr", "lang"), ("?office=palembang", "office"), ("?lang=en&bogus=1", "bogus")],
)
def test_bad_parameter_is_400_naming_it(client, query, field):
    response = client.get("/api/v1/status/" + query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert field in error["message"]


def test_etag_revalidation_gives_304_until_state_changes(client):
    set_systems(pdn="up", cekal="up")
    first = client.get("/api/v1/status/")
    etag = first["ETag"]
    assert etag.startswith('W/"') and first["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    set_systems(pdn="down")
    recompute()
    changed = client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
