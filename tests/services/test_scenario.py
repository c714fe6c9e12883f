"""The June 2024 replay: its phases, its final state, and Palembang's events, at high speed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from services import overrides, scenario
from services.choices import FaultMode, SystemState
from services.models import Override, SimulatedPdn, StatusEvent, UpstreamSystem
from services.polling import poll_once_exclusively
from services.snapshot import published
from tests.stack import point_poller_at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FAST = "1e9"  # every phase at once
PALEMBANG_SERVICES = ("passport-regular", "passport-express", "foreign-stay-permit")


@pytest.fixture
def health_url(settings, live_server) -> str:
    settings.HEALTH_READ_TIMEOUT = 2.0
    url = point_poller_at(settings, live_server.url)
    poll_once_exclusively()  # the portal before the outage: everything open
    return url


def replay(*args: str) -> str:
    out = StringIO()
    call_command("pdn", "scenario", "june-2024", *args, stdout=out)
    return out.getvalue()


def events_since(mark: int, **filters) -> list[tuple[str, str, str, str]]:
    rows = StatusEvent.objects.filter(id__gt=mark, **filters).select_related("stage", "service")
    return [
        ((e.stage or e.service).code, e.old_state, e.new_state, e.cause)
        for e in rows.order_by("id")
    ]


def last_event_id() -> int:
    return StatusEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_replay_ends_with_everything_open_and_no_hold(health_url):
    output = replay("--speed", FAST)
    snap = published().snapshot
    assert {s.code: s.state for s in snap.systems} == {"pdn": "up", "cekal": "up"}
    for office in snap.offices:
        assert {s.state for s in office.stages} == {"open"}
        assert {s.state for s in office.services} == {"open"}
    assert not Override.objects.active(timezone.now()).exists()
    assert output.rstrip().endswith("Replay of june-2024 complete.")


def test_replay_records_palembangs_services_in_order(health_url):
    mark = last_event_id()
    replay("--speed", FAST)
    palembang = events_since(mark, office__code="palembang", service__code__in=PALEMBANG_SERVICES)
    assert palembang == [
        # Kamis, 20 Juni: total stop
        ("passport-regular", "open", "closed", "system"),
        ("passport-express", "open", "closed", "system"),
        ("foreign-stay-permit", "open", "closed", "system"),
        # Jumat, 21 Juni: partial reopening
        ("passport-regular", "closed", "partial", "system"),
        ("foreign-stay-permit", "closed", "partial", "system"),
        # Minggu, 23 Juni: cekal back (both stay partial: printing waits for the PDN)
        # Jumat, 28 Juni: printing back; express held closed by staff, so no event for it
        ("passport-regular", "partial", "open", "system"),
        ("foreign-stay-permit", "partial", "open", "system"),
        # Senin, 1 Juli: staff reopen express
        ("passport-express", "closed", "open", "override"),
    ]


def test_replay_records_palembangs_stages_in_order(health_url):
    mark = last_event_id()
    replay("--speed", FAST)
    stages = events_since(mark, office__code="palembang", stage__isnull=False)
    closed = [(code, "open", "closed", "system") for code in scenario_stages()]
    assert stages == [
        *closed,
        ("interview", "closed", "open", "system"),
        ("biometrics", "closed", "open", "system"),
        ("photo", "closed", "open", "system"),
        ("cekal-check", "closed", "open", "system"),
        ("printing", "closed", "open", "system"),
    ]
    reopened = StatusEvent.objects.filter(id__gt=mark, office__code="palembang", new_state="open")
    by_stage = {e.stage.code: e.system.code for e in reopened.filter(stage__isnull=False)}
    assert (by_stage["cekal-check"], by_stage["printing"]) == ("cekal", "pdn")


def scenario_stages() -> list[str]:
    return ["interview", "biometrics", "photo", "cekal-check", "printing"]


def test_muara_enim_gets_express_back_with_the_pdn_not_on_1_july(health_url):
    mark = last_event_id()
    replay("--speed", FAST)
    express = events_since(mark, office__code="muara-enim", service__code="passport-express")
    assert express == [
        ("passport-express", "open", "closed", "system"),
        ("passport-express", "closed", "open", "system"),
    ]


def test_the_hold_names_its_reason_and_is_ended_by_the_replay(health_url):
    mark = last_event_id()
    replay("--speed", FAST)
    hold = Override.objects.get(service__code="passport-express", office__code="palembang")
    assert (hold.state, hold.reason, hold.actor) == ("closed", scenario.HOLD_REASON, None)
    assert hold.cleared_at is not None
    reopened = StatusEvent.objects.get(
        id__gt=mark, office__code="palembang", service__code="passport-express", new_state="open"
    )
    assert reopened.cause == "override"


def test_each_phase_is_printed_with_its_wib_date_and_what_the_portal_shows(health_url):
    output = replay("--speed", FAST)
    for date in (
        "Kamis, 20 Juni 2024 pukul 06.00 WIB",
        "Jumat, 21 Juni 2024 pukul 08.00 WIB",
        "Minggu, 23 Juni 2024 pukul 08.00 WIB",
        "Jumat, 28 Juni 2024 pukul 08.00 WIB",
        "Senin, 1 Juli 2024 pukul 08.00 WIB",
    ):
        assert date in output
    phase_two = output.split("Jumat, 21 Juni 2024")[1].split("Minggu, 23 Juni")[0]
    assert "systems: pdn degraded, cekal down" in phase_two
    assert "passport-regular partial (interview, biometrics, photo)" in phase_two
    assert "passport-express closed" in phase_two
    assert "foreign-stay-permit partial (biometrics)" in phase_two


def test_phases_are_spaced_by_their_dates_divided_by_the_speed(health_url):
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    speed = 86400.0  # a simulated day per second
    scenario.replay(
        scenario.JUNE_2024, speed=speed, write=lambda line: None, sleep=sleep, clock=lambda: now[0]
    )
    # 20 Jun 06.00 → 21 Jun 08.00 → 23 Jun 08.00 → 28 Jun 08.00 → 1 Jul 08.00
    assert sleeps == pytest.approx([26 / 24, 2.0, 5.0, 3.0])


def test_replay_clears_a_fault_left_on(health_url):
    call_command("pdn", "fault", "garbage")
    replay("--speed", FAST)
    assert SimulatedPdn.load().fault == FaultMode.NONE
    assert published().snapshot.system("pdn").state == SystemState.UP


def test_replay_ends_a_hold_left_by_an_interrupted_replay(health_url):
    scenario.apply(scenario.JUNE_2024[3], write=lambda line: None)  # stopped after 28 Juni
    assert published().snapshot.office("palembang").service("passport-express").state == "closed"
    replay("--speed", FAST)
    assert not Override.objects.active(timezone.now()).exists()


# --- Refusals: a clear error, and nothing changed -----------------------------------------


def assert_nothing_changed(before: tuple) -> None:
    assert snapshot_of_world() == before


def snapshot_of_world() -> tuple:
    pdn = SimulatedPdn.load()
    return (pdn.status, pdn.cekal, pdn.fault, last_event_id(), Override.objects.count())


@pytest.mark.parametrize("speed", ["0", "-60", "fast", "nan", "inf"])
def test_a_bad_speed_is_refused(health_url, speed):
    before = snapshot_of_world()
    with pytest.raises(CommandError, match="speed"):
        replay("--speed", speed)
    assert_nothing_changed(before)


def test_an_unknown_scenario_is_refused(health_url):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("pdn", "scenario", "june-2025")


def test_an_unreachable_simulator_is_refused_before_anything_changes(health_url, settings):
    settings.HEALTH_CONNECT_TIMEOUT = 0.5
    closed = "http://127.0.0.1:9/simulator/pdn/health"
    settings.HEALTH_URLS = {"pdn": closed, "cekal": closed}
    call_command("pdn", "fault", "slow")
    before = snapshot_of_world()
    with pytest.raises(CommandError, match="Cannot read the simulator at http://127.0.0.1:9"):
        replay("--speed", FAST)
    assert_nothing_changed(before)


def test_a_disabled_simulator_is_refused(health_url, settings):
    settings.SIMULATOR_ENABLED = False
    before = snapshot_of_world()
    with pytest.raises(CommandError, match="SIMULATOR_ENABLED"):
        replay("--speed", FAST)
    assert_nothing_changed(before)


def test_a_declared_system_is_refused(health_url):
    pdn = UpstreamSystem.objects.get(code="pdn")
    overrides.declare_system(pdn, state="down", reason="Dinyatakan oleh Kanwil")
    before = snapshot_of_world()
    with pytest.raises(CommandError, match="Declared by hand: pdn"):
        replay("--speed", FAST)
    assert_nothing_changed(before)
