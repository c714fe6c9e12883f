"""Events carry their cause, and the system or actor behind it; manual declarations."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from offices.models import Office
from services import overrides
from services.choices import Cause, ForcedState, StateSource, SystemState
from services.models import Service, StatusEvent, UpstreamSystem
from services.polling import Reading, record_readings
from services.snapshot import published, recompute

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
UP, DEGRADED, DOWN = (Reading(state=s) for s in ("up", "degraded", "down"))
REASON = "PDN dinyatakan lumpuh oleh Kanwil Sumsel"


def poll(pdn: Reading, cekal: Reading = UP, at: datetime | None = None) -> None:
    record_readings({"pdn": pdn, "cekal": cekal}, at or timezone.now())


def last(**filters) -> StatusEvent:
    return StatusEvent.objects.filter(**filters).latest("id")


def system(code: str = "pdn") -> UpstreamSystem:
    return UpstreamSystem.objects.get(code=code)


def api_system(client, code: str = "pdn") -> dict:
    document = client.get("/api/v1/status/").json()
    return next(s for s in document["systems"] if s["code"] == code)


@pytest.fixture
def kanwil():
    return get_user_model().objects.create_superuser("kanwil-sumsel", "", "x")


@pytest.fixture
def palembang() -> Office:
    return Office.objects.get(code="palembang")


@pytest.fixture
def express() -> Service:
    return Service.objects.get(code="passport-express")


# --- System changes -----------------------------------------------------------------------


def test_a_polled_change_names_the_system_it_came_from():
    poll(UP)
    poll(DOWN)
    event = last(office__code="palembang", stage__code="interview")
    assert (event.old_state, event.new_state, event.cause) == ("open", "closed", Cause.SYSTEM)
    assert event.system.code == "pdn"
    assert event.actor is None
    assert event.reason == "waiting for pdn"


def test_a_reopening_names_the_system_that_recovered():
    poll(DEGRADED, DOWN)
    poll(DEGRADED, UP)
    event = last(office__code="muara-enim", stage__code="cekal-check")
    assert (event.old_state, event.new_state, event.cause) == ("closed", "open", Cause.SYSTEM)
    assert event.system.code == "cekal"


def test_system_transitions_are_events_of_their_own():
    poll(UP)
    poll(DEGRADED)
    event = last(system__code="pdn", office__isnull=True)
    assert (event.old_state, event.new_state, event.cause) == ("up", "degraded", Cause.SYSTEM)


# --- Manual declarations ------------------------------------------------------------------


def test_a_declaration_wins_over_the_poller_and_the_api_says_manual(client, kanwil):
    poll(UP)
    overrides.declare_system(system(), state=SystemState.DOWN, reason=REASON, actor=kanwil)
    assert (api_system(client)["state"], api_system(client)["source"]) == ("down", "manual")
    poll(UP)  # the poller still runs, and is not believed while the declaration stands
    assert system().observed_state == SystemState.UP
    snap = published().snapshot
    assert (snap.system("pdn").state, snap.system("pdn").source) == ("down", StateSource.MANUAL)
    assert snap.office("palembang").stage("interview").state == "closed"


def test_declaring_and_clearing_are_events_with_cause_declaration(kanwil):
    poll(UP)
    overrides.declare_system(system(), state=SystemState.DOWN, reason=REASON, actor=kanwil)
    declared = last(system__code="pdn", office__isnull=True)
    assert (declared.old_state, declared.new_state, declared.cause) == ("up", "down", "declaration")
    assert (declared.actor, declared.reason) == (kanwil, REASON)
    stage = last(office__code="palembang", stage__code="interview")
    assert (stage.new_state, stage.cause, stage.actor) == ("closed", Cause.DECLARATION, kanwil)
    assert stage.system.code == "pdn"

    overrides.clear_declaration(system(), actor=kanwil)
    cleared = last(system__code="pdn", office__isnull=True)
    assert (cleared.old_state, cleared.new_state, cleared.cause) == ("down", "up", "declaration")
    assert cleared.actor == kanwil
    stage = last(office__code="palembang", stage__code="interview")
    assert (stage.old_state, stage.new_state, stage.cause) == ("closed", "open", "declaration")


def test_clearing_hands_the_system_back_to_the_poller(client, kanwil):
    poll(DEGRADED)
    overrides.declare_system(system(), state=SystemState.UP, reason="Dipulihkan", actor=kanwil)
    assert api_system(client)["state"] == "up"
    overrides.clear_declaration(system(), actor=kanwil)
    assert (api_system(client)["state"], api_system(client)["source"]) == ("degraded", "poller")


@pytest.mark.parametrize(
    ("state", "reason", "field"),
    [("down", "   ", "reason"), ("down", "", "reason"), ("broken", REASON, "state")],
)
def test_a_bad_declaration_is_refused_and_changes_nothing(kanwil, state, reason, field):
    poll(UP)
    before = StatusEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        overrides.declare_system(system(), state=state, reason=reason, actor=kanwil)
    assert field in refused.value.message_dict
    assert (system().manual_state, StatusEvent.objects.count()) == ("", before)


def test_a_declaration_by_office_staff_without_the_permission_is_refused():
    poll(UP)
    clerk = get_user_model().objects.create_user("loket", password="x", is_staff=True)
    with pytest.raises(PermissionDenied):
        overrides.declare_system(system(), state="down", reason=REASON, actor=clerk)
    assert system().manual_state == ""


# --- Overrides, closures, schedule --------------------------------------------------------


def test_an_override_event_names_its_actor_and_reason(kanwil, palembang, express):
    poll(UP)
    overrides.create_override(
        palembang, service=express, state=ForcedState.CLOSED, reason="Dibuka 1 Juli", actor=kanwil
    )
    event = last(office=palembang, service=express)
    assert (event.new_state, event.cause, event.actor, event.reason) == (
        "closed",
        Cause.OVERRIDE,
        kanwil,
        "Dibuka 1 Juli",
    )
    assert event.system is None


def test_clearing_an_override_that_held_a_state_is_caused_by_the_override(palembang, express):
    poll(DEGRADED, DOWN)  # express closed by the systems
    override = overrides.create_override(
        palembang, service=express, state=ForcedState.CLOSED, reason="Dibuka 1 Juli"
    )
    poll(UP)  # the systems recover; the override keeps express closed: no event
    assert last(office=palembang, service=express).new_state == "closed"
    overrides.clear_override(override)
    event = last(office=palembang, service=express)
    assert (event.old_state, event.new_state, event.cause) == ("closed", "open", Cause.OVERRIDE)


def test_a_closure_closes_every_stage_with_its_reason(kanwil, palembang):
    poll(UP)
    overrides.close_office(
        palembang, reason="Listrik padam", starts_at=timezone.now() - timedelta(seconds=1)
    )
    event = last(office=palembang, stage__code="photo")
    assert (event.new_state, event.cause, event.reason) == (
        "closed",
        Cause.CLOSURE,
        "Listrik padam",
    )


def test_a_season_ending_is_caused_by_the_schedule():
    last_day = datetime(2024, 7, 15, 20, 0, tzinfo=WIB)
    poll(UP, at=last_day)
    assert published(now=last_day).snapshot.office("palembang").service("hajj-debarkation")
    after = datetime(2024, 7, 16, 0, 0, 1, tzinfo=WIB)
    poll(UP, at=after)
    recompute(now=after)
    event = last(office__code="palembang", service__code="hajj-debarkation")
    assert (event.old_state, event.new_state, event.cause) == ("open", "", Cause.SCHEDULE)
