"""The shared write functions: validation, office scope, history, expiry and immediate effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from offices.models import Office, OfficeClosure
from services import overrides
from services.choices import Cause, ForcedState, StageState, SystemState
from services.models import Override, Service, Stage, StatusEvent, UpstreamSystem
from services.snapshot import published, recompute
from tests.factories import set_systems
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def palembang() -> Office:
    return Office.objects.get(code="palembang")


@pytest.fixture
def muara_enim() -> Office:
    return Office.objects.get(code="muara-enim")


@pytest.fixture
def printing() -> Stage:
    return Stage.objects.get(code="printing")


@pytest.fixture(autouse=True)
def systems_up():
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)


def stage_state(office: str, stage: str, now=None) -> str:
    return published(now).snapshot.office(office).stage(stage).state


# --- Validation -----------------------------------------------------------------------------


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_override_without_reason_is_refused_and_nothing_saved(palembang, printing):
    with pytest.raises(ValidationError) as excinfo:
        overrides.create_override(palembang, stage=printing, state=ForcedState.CLOSED, reason="  ")
    assert "reason" in field_errors(excinfo)
    assert not Override.objects.exists()


def test_override_expiring_in_the_past_is_refused(palembang, printing):
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(ValidationError) as excinfo:
        overrides.create_override(
            palembang, stage=printing, state=ForcedState.CLOSED, reason="x", expires_at=past
        )
    assert "expires_at" in field_errors(excinfo)
    assert not Override.objects.exists()


def test_service_override_for_a_service_the_office_does_not_offer_is_refused(muara_enim):
    hajj = Service.objects.get(code="hajj-debarkation")
    with pytest.raises(ValidationError) as excinfo:
        overrides.create_override(muara_enim, service=hajj, state=ForcedState.OPEN, reason="x")
    assert "does not offer" in field_errors(excinfo)["service"][0]
    assert not Override.objects.exists()


def test_override_needs_exactly_one_of_stage_and_service(palembang, printing):
    express = Service.objects.get(code="passport-express")
    for target in ({}, {"stage": printing, "service": express}):
        with pytest.raises(ValidationError) as excinfo:
            overrides.create_override(palembang, state=ForcedState.CLOSED, reason="x", **target)
        assert "stage" in field_errors(excinfo)
    assert not Override.objects.exists()


def test_checkpoint_stage_override_at_an_office_without_checkpoint_is_refused(muara_enim):
    border = Stage.objects.get(code="border-check")
    with pytest.raises(ValidationError):
        overrides.create_override(muara_enim, stage=border, state=ForcedState.OPEN, reason="x")


def test_multi_office_override_is_all_or_nothing(palembang, muara_enim):
    hajj = Service.objects.get(code="hajj-debarkation")  # offered at Palembang only
    with pytest.raises(ValidationError) as excinfo:
        overrides.create_overrides(
            [palembang, muara_enim], service=hajj, state=ForcedState.CLOSED, reason="x"
        )
    assert "Muara Enim" in field_errors(excinfo)["service"][0]
    assert not Override.objects.exists()


def test_closure_ending_before_it_starts_is_refused(palembang):
    start = timezone.now() + timedelta(hours=2)
    with pytest.raises(ValidationError) as excinfo:
        overrides.close_office(
            palembang, reason="Banjir", starts_at=start, ends_at=start - timedelta(hours=1)
        )
    assert "ends_at" in field_errors(excinfo)
    assert not OfficeClosure.objects.exists()


def test_closure_already_over_is_refused(palembang):
    start = timezone.now() - timedelta(days=2)
    with pytest.raises(ValidationError) as excinfo:
        overrides.close_office(
            palembang, reason="Banjir", starts_at=start, ends_at=start + timedelta(hours=1)
        )
    assert "ends_at" in field_errors(excinfo)


def test_closure_without_reason_is_refused(palembang):
    with pytest.raises(ValidationError) as excinfo:
        overrides.close_office(palembang, reason="", starts_at=timezone.now())
    assert "reason" in field_errors(excinfo)
    assert not OfficeClosure.objects.exists()


# --- Scope ----------------------------------------------------------------------------------


def test_office_staff_cannot_override_another_office(palembang, printing):
    user = office_staff("staff-muara-enim", "muara-enim")
    with pytest.raises(PermissionDenied):
        overrides.create_override(
            palembang, stage=printing, state=ForcedState.CLOSED, reason="x", actor=user
        )
    assert not Override.objects.exists()


def test_office_staff_cannot_clear_another_offices_override(palembang, printing):
    override = overrides.create_override(
        palembang, stage=printing, state=ForcedState.CLOSED, reason="x"
    )
    user = office_staff("staff-muara-enim", "muara-enim")
    with pytest.raises(PermissionDenied):
        overrides.clear_override(override, actor=user)
    with pytest.raises(PermissionDenied):
        overrides.clear_office_overrides([palembang], actor=user)
    override.refresh_from_db()
    assert override.cleared_at is None


def test_office_staff_cannot_close_another_office(palembang):
    user = office_staff("staff-muara-enim", "muara-enim")
    with pytest.raises(PermissionDenied):
        overrides.close_office(palembang, reason="x", starts_at=timezone.now(), actor=user)


def test_multi_office_override_refused_when_any_office_is_out_of_scope(
    palembang, muara_enim, printing
):
    user = office_staff("staff-muara-enim", "muara-enim")
    with pytest.raises(PermissionDenied):
        overrides.create_overrides(
            [muara_enim, palembang],
            stage=printing,
            state=ForcedState.CLOSED,
            reason="x",
            actor=user,
        )
    assert not Override.objects.exists()


def test_regional_staff_override_every_office_of_their_region(palembang, muara_enim, printing):
    user = regional_staff("kanwil-sumsel")
    created = overrides.create_overrides(
        [palembang, muara_enim], stage=printing, state=ForcedState.CLOSED, reason="x", actor=user
    )
    assert len(created) == 2
    assert {o.actor for o in created} == {user}


def test_only_regional_staff_and_superusers_declare_system_states():
    pdn = UpstreamSystem.objects.get(code="pdn")
    with pytest.raises(PermissionDenied):
        overrides.declare_system(
            pdn, state=SystemState.DOWN, reason="x", actor=office_staff("s", "palembang")
        )
    with pytest.raises(PermissionDenied):
        overrides.clear_declaration(pdn, actor=office_staff("t", "palembang"))
    overrides.declare_system(
        pdn, state=SystemState.DOWN, reason="Serangan ransomware", actor=regional_staff("k")
    )
    overrides.declare_system(
        pdn, state=SystemState.DEGRADED, reason="x", actor=User.objects.create_superuser("r")
    )
    pdn.refresh_from_db()
    assert pdn.manual_state == SystemState.DEGRADED


def test_declaration_without_reason_is_refused():
    pdn = UpstreamSystem.objects.get(code="pdn")
    with pytest.raises(ValidationError):
        overrides.declare_system(pdn, state=SystemState.DOWN, reason=" ", actor=regional_staff("k"))
    pdn.refresh_from_db()
    assert pdn.manual_state == ""


# --- Effect and history ---------------------------------------------------------------------


def test_override_is_visible_at_once_and_recorded_with_who_and_why(palembang, printing):
    user = office_staff("staff-palembang", "palembang")
    recompute()  # what a poll records
    assert stage_state("palembang", "printing") == StageState.OPEN
    overrides.create_override(
        palembang, stage=printing, state=ForcedState.CLOSED, reason="Mesin cetak rusak", actor=user
    )
    assert stage_state("palembang", "printing") == StageState.CLOSED
    assert stage_state("muara-enim", "printing") == StageState.OPEN
    event = StatusEvent.objects.filter(office=palembang, stage=printing).first()
    assert (event.old_state, event.new_state) == (StageState.OPEN, StageState.CLOSED)
    assert (event.cause, event.reason, event.actor) == (Cause.OVERRIDE, "Mesin cetak rusak", user)


def test_clearing_keeps_the_override_row_and_records_the_change(palembang, printing):
    user = office_staff("staff-palembang", "palembang")
    override = overrides.create_override(
        palembang, stage=printing, state=ForcedState.CLOSED, reason="x", actor=user
    )
    overrides.clear_override(override, actor=user)
    override.refresh_from_db()
    assert override.cleared_by == user and override.cleared_at is not None
    assert stage_state("palembang", "printing") == StageState.OPEN
    reopened = StatusEvent.objects.filter(office=palembang, stage=printing).first()
    assert (reopened.new_state, reopened.cause, reopened.actor) == ("open", Cause.OVERRIDE, user)


def test_clearing_twice_records_one_change(palembang, printing):
    override = overrides.create_override(
        palembang, stage=printing, state=ForcedState.CLOSED, reason="x"
    )
    assert overrides.clear_overrides([override]) == 1
    assert overrides.clear_overrides([override]) == 0
    assert StatusEvent.objects.filter(office=palembang, stage=printing).count() == 2


def test_clear_office_overrides_ends_only_that_offices(palembang, muara_enim, printing):
    overrides.create_overrides(
        [palembang, muara_enim], stage=printing, state=ForcedState.CLOSED, reason="x"
    )
    assert len(overrides.clear_office_overrides([palembang])) == 1
    assert stage_state("palembang", "printing") == StageState.OPEN
    assert stage_state("muara-enim", "printing") == StageState.CLOSED


def test_expired_override_reverts_and_the_expiry_task_records_it(palembang, printing):
    start = timezone.now()
    override = overrides.create_override(
        palembang,
        stage=printing,
        state=ForcedState.CLOSED,
        reason="Tunggu teknisi",
        expires_at=start + timedelta(hours=1),
    )
    assert stage_state("palembang", "printing", start) == StageState.CLOSED
    later = start + timedelta(hours=2)
    set_systems(later, pdn=SystemState.UP, cekal=SystemState.UP)

    assert overrides.expire_overrides(now=later) == 1

    assert stage_state("palembang", "printing", later) == StageState.OPEN
    override.refresh_from_db()
    assert override.cleared_at == later
    event = StatusEvent.objects.filter(office=palembang, stage=printing).first()
    assert (event.old_state, event.new_state) == (StageState.CLOSED, StageState.OPEN)
    assert (event.cause, event.at) == (Cause.OVERRIDE, later)
    assert overrides.expire_overrides(now=later) == 0


def test_expired_override_stops_applying_at_read_time_before_the_task_runs(palembang, printing):
    start = timezone.now()
    overrides.create_override(
        palembang,
        stage=printing,
        state=ForcedState.CLOSED,
        reason="x",
        expires_at=start + timedelta(minutes=5),
    )
    later = start + timedelta(minutes=6)
    set_systems(later, pdn=SystemState.UP, cekal=SystemState.UP)
    assert stage_state("palembang", "printing", later) == StageState.OPEN
    reopened = StatusEvent.objects.filter(office=palembang, stage=printing, new_state="open")
    assert not reopened.exists()  # reads never write: the next poll records it
    recompute(now=later)
    assert reopened.exists()


def test_ending_a_closure_reopens_the_office_and_keeps_the_row(palembang):
    user = office_staff("staff-palembang", "palembang")
    closure = overrides.close_office(
        palembang, reason="Banjir", starts_at=timezone.now(), actor=user
    )
    assert stage_state("palembang", "interview") == StageState.CLOSED
    overrides.end_closure(closure, actor=user)
    closure.refresh_from_db()
    assert closure.cleared_by == user
    assert stage_state("palembang", "interview") == StageState.OPEN
    assert OfficeClosure.objects.count() == 1


def test_cancelling_a_future_closure_stops_it_from_applying(palembang):
    start = timezone.now() + timedelta(hours=1)
    closure = overrides.close_office(palembang, reason="Libur", starts_at=start)
    overrides.end_closure(closure)
    later = start + timedelta(minutes=1)
    set_systems(later, pdn=SystemState.UP, cekal=SystemState.UP)
    assert stage_state("palembang", "interview", later) == StageState.OPEN
