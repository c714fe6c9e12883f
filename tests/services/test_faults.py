"""Each simulator fault mode over real HTTP, and what the portal then shows: never a 500."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from services.choices import FaultMode, ObservationError, SystemState
from services.models import HealthObservation, SimulatedPdn
from services.polling import fetch, poll_once_exclusively
from tests.stack import point_poller_at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDN_STAGES = ("interview", "biometrics", "photo", "cekal-check", "printing")
FAILING = [
    (FaultMode.ERROR, ObservationError.HTTP),
    (FaultMode.GARBAGE, ObservationError.MALFORMED),
    (FaultMode.TIMEOUT, ObservationError.TIMEOUT),
]


@pytest.fixture
def health_url(settings, live_server) -> str:
    settings.FAIL_THRESHOLD, settings.RECOVER_THRESHOLD = 3, 2
    settings.HEALTH_CONNECT_TIMEOUT = 1.0
    settings.HEALTH_READ_TIMEOUT = 0.5
    settings.SIMULATOR_SLOW_SECONDS = 0.25
    settings.SIMULATOR_HANG_SECONDS = 1.5  # past the read timeout, and short
    return point_poller_at(settings, live_server.url)


def portal(client) -> dict:
    """Read every public surface; each must answer 200. Return the status document."""
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/status/")
    assert response.status_code == 200
    return response.json()


def pdn(document: dict) -> dict:
    return next(s for s in document["systems"] if s["code"] == "pdn")


def stage_states(document: dict, office: str = "palembang") -> dict[str, str]:
    found = next(o for o in document["offices"] if o["code"] == office)
    return {s["code"]: s["state"] for s in found["stages"] if s["code"] in PDN_STAGES}


def last_observation() -> HealthObservation:
    return HealthObservation.objects.filter(system__code="pdn").latest("at", "id")


def test_fault_command_sets_the_mode_and_refuses_unknown_ones(health_url):
    call_command("pdn", "fault", "garbage")
    assert SimulatedPdn.load().fault == FaultMode.GARBAGE
    with pytest.raises(Exception, match="invalid choice"):
        call_command("pdn", "fault", "flaky")
    assert SimulatedPdn.load().fault == FaultMode.GARBAGE


def test_none_answers_normally(health_url, client):
    call_command("pdn", "fault", "none")
    poll_once_exclusively()
    document = portal(client)
    assert (pdn(document)["state"], document["stale"]) == ("up", False)
    assert set(stage_states(document).values()) == {"open"}


def test_slow_is_still_up_with_its_latency_recorded(health_url, client):
    call_command("pdn", "fault", "slow")
    poll_once_exclusively()
    observation = last_observation()
    assert (observation.state, observation.error) == (SystemState.UP, "")
    assert observation.latency_ms >= 250
    document = portal(client)
    assert pdn(document)["state"] == "up"
    assert set(stage_states(document).values()) == {"open"}


@pytest.mark.parametrize(("fault", "error"), FAILING)
def test_fault_is_observed_with_its_kind(health_url, fault, error):
    call_command("pdn", "fault", fault)
    assert fetch(health_url).error == error


@pytest.mark.parametrize(("fault", "error"), FAILING)
def test_failing_fault_closes_only_after_the_threshold_and_never_500s(
    health_url, client, settings, fault, error
):
    call_command("pdn", "set", "up")
    poll_once_exclusively()
    call_command("pdn", "fault", fault)
    for _ in range(settings.FAIL_THRESHOLD - 1):
        poll_once_exclusively()
        assert last_observation().error == error
        document = portal(client)
        assert pdn(document)["state"] == "up"  # stays as it was
        assert set(stage_states(document).values()) == {"open"}
    poll_once_exclusively()
    document = portal(client)
    assert pdn(document)["state"] == "down"
    assert set(stage_states(document).values()) == {"closed"}
    assert set(stage_states(document, "muara-enim").values()) == {"closed"}
    assert document["stale"] is False  # the poller runs: it knows the PDN is unreachable
    call_command("pdn", "show")  # the CLI copes too


@pytest.mark.parametrize(("fault", "error"), FAILING)
def test_recovery_from_a_fault_needs_recover_threshold_good_polls(
    health_url, client, settings, fault, error
):
    call_command("pdn", "fault", fault)
    for _ in range(settings.FAIL_THRESHOLD):
        poll_once_exclusively()
    call_command("pdn", "fault", "none")
    for _ in range(settings.RECOVER_THRESHOLD - 1):
        poll_once_exclusively()
        assert pdn(portal(client))["state"] == "down"
    poll_once_exclusively()
    document = portal(client)
    assert pdn(document)["state"] == "up"
    assert set(stage_states(document).values()) == {"open"}
