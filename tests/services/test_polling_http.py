"""The poller against the real simulator over HTTP: flip the flag, read /api/v1/status/."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from services.choices import ObservationError, SystemState
from services.models import HealthObservation, UpstreamSystem
from services.polling import fetch, poll_once_exclusively
from tests.stack import point_poller_at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def health_url(settings, live_server) -> str:
    settings.FAIL_THRESHOLD, settings.RECOVER_THRESHOLD = 2, 2
    settings.HEALTH_READ_TIMEOUT = 2.0
    return point_poller_at(settings, live_server.url)


def status(client) -> dict:
    response = client.get("/api/v1/status/")
    assert response.status_code == 200
    return response.json()


def services(document: dict, office: str) -> dict[str, dict]:
    found = next(o for o in document["offices"] if o["code"] == office)
    return {s["code"]: s for s in found["services"]}


def systems(document: dict) -> dict[str, str]:
    return {s["code"]: s["state"] for s in document["systems"]}


def test_simulator_serves_its_flag_as_a_health_document(health_url):
    call_command("pdn", "set", "degraded", "--cekal", "down")
    fetched = fetch(health_url)
    assert fetched.error == ""
    assert fetched.document["status"] == "degraded"
    assert fetched.document["components"] == {"cekal": "down"}
    assert "+07:00" in fetched.document["updated_at"]


def test_disabled_simulator_is_a_404_and_a_failed_poll(health_url, settings):
    settings.SIMULATOR_ENABLED = False
    fetched = fetch(health_url)
    assert (fetched.error, fetched.detail) == (ObservationError.HTTP, "HTTP 404")


def test_api_follows_the_flag_through_each_june_2024_phase(health_url, client):
    call_command("pdn", "set", "down", "--cekal", "down")
    poll_once_exclusively()
    document = status(client)
    assert document["stale"] is False
    assert systems(document) == {"pdn": "down", "cekal": "down"}
    assert {s["state"] for s in services(document, "palembang").values()} == {"closed"}

    call_command("pdn", "set", "degraded", "--cekal", "down")
    poll_once_exclusively()
    muara_enim = services(status(client), "muara-enim")
    assert muara_enim["passport-regular"]["state"] == "partial"
    assert muara_enim["passport-regular"]["available_stages"] == [
        "interview",
        "biometrics",
        "photo",
    ]
    assert muara_enim["passport-express"]["state"] == "closed"
    assert muara_enim["foreign-stay-permit"]["available_stages"] == ["biometrics"]

    call_command("pdn", "set", "degraded", "--cekal", "up")
    poll_once_exclusively()
    regular = services(status(client), "muara-enim")["passport-regular"]
    assert regular["waiting_stages"] == ["printing"]

    call_command("pdn", "set", "up")
    poll_once_exclusively()
    document = status(client)
    assert systems(document) == {"pdn": "up", "cekal": "up"}
    assert {s["state"] for s in services(document, "muara-enim").values()} == {"open"}


def test_hysteresis_against_the_real_simulator(health_url, client):
    call_command("pdn", "set", "up")
    poll_once_exclusively()
    call_command("pdn", "fault", "error")
    poll_once_exclusively()
    assert systems(status(client))["pdn"] == "up"  # one failed poll: nothing changes
    poll_once_exclusively()
    document = status(client)
    assert systems(document)["pdn"] == "down"
    assert services(document, "palembang")["passport-regular"]["state"] == "closed"

    call_command("pdn", "fault", "none")
    poll_once_exclusively()
    assert systems(status(client))["pdn"] == "down"  # one good poll: not believed yet
    poll_once_exclusively()
    assert systems(status(client))["pdn"] == "up"
    errors = HealthObservation.objects.filter(system__code="pdn").order_by("at", "id")
    assert [o.error or o.state for o in errors] == ["up", "http", "http", "up", "up"]


def test_each_distinct_health_url_is_fetched_once_per_poll(health_url):
    readings = poll_once_exclusively()
    assert readings is not None
    assert {code: r.state for code, r in readings.items()} == {"pdn": "up", "cekal": "up"}
    pdn, cekal = readings["pdn"], readings["cekal"]
    assert pdn.latency_ms == cekal.latency_ms  # one fetch, read twice
    assert UpstreamSystem.objects.get(code="pdn").observed_state == SystemState.UP
