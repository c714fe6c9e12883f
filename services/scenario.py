"""Replay the June 2024 PDN outage through the simulator and the staff overrides.

Each phase happens at its WIB date, ``speed`` simulated seconds per real second. After each
simulator change the replay polls at once (waiting for a poll already running), so the
portal follows without waiting for beat's next tick; a running poller reads the same
simulator and agrees. Staff decisions go through ``services.overrides`` like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from offices.models import Office

from . import overrides, simulator
from .choices import FaultMode, ForcedState, ObservationError, ServiceState, SystemState
from .models import Override, Service, SimulatedPdn, UpstreamSystem
from .polling import Reading, fetch, poll_budget, poll_once_exclusively
from .snapshot import Published, published

WIB = ZoneInfo("Asia/Jakarta")
HOLD_EXPRESS = "hold-express"
REOPEN_EXPRESS = "reopen-express"
EXPRESS_OFFICE, EXPRESS_SERVICE = "palembang", "passport-express"
HOLD_REASON = (
    "Paspor percepatan satu hari selesai di Kanim Palembang dibuka kembali 1 Juli 2024, "
    "setelah sistem PDN dipastikan stabil"
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


@dataclass(frozen=True)
class Phase:
    """One dated step of a scenario: the simulator's new state and what staff do."""

    at: datetime
    headline: str
    pdn: str | None = None
    cekal: str | None = None
    staff: str = ""


JUNE_2024 = (
    Phase(
        datetime(2024, 6, 20, 6, 0, tzinfo=WIB),
        "PDN lumpuh diserang ransomware: semua layanan keimigrasian dihentikan sementara",
        pdn=SystemState.DOWN,
        cekal=SystemState.DOWN,
    ),
    Phase(
        datetime(2024, 6, 21, 8, 0, tzinfo=WIB),
        "Layanan umum dibuka kembali: wawancara, biometrik dan foto; "
        "pencetakan menunggu perbaikan PDN dan sistem cekal",
        pdn=SystemState.DEGRADED,
        cekal=SystemState.DOWN,
    ),
    Phase(
        datetime(2024, 6, 23, 8, 0, tzinfo=WIB),
        "Cekal Online pulih: pemeriksaan cekal dibuka; pencetakan masih menunggu PDN",
        pdn=SystemState.DEGRADED,
        cekal=SystemState.UP,
    ),
    Phase(
        datetime(2024, 6, 28, 8, 0, tzinfo=WIB),
        "PDN pulih 100%: pencetakan paspor kembali; "
        "Kanim Palembang menahan paspor percepatan hingga 1 Juli",
        pdn=SystemState.UP,
        cekal=SystemState.UP,
        staff=HOLD_EXPRESS,
    ),
    Phase(
        datetime(2024, 7, 1, 8, 0, tzinfo=WIB),
        "Kanim Palembang membuka kembali paspor percepatan satu hari selesai",
        staff=REOPEN_EXPRESS,
    ),
)
SCENARIOS: dict[str, Sequence[Phase]] = {"june-2024": JUNE_2024}


class ScenarioError(Exception):
    """A replay that cannot start; nothing has been changed."""


# --- Before the first phase ---------------------------------------------------------------


def check_ready() -> None:
    """Refuse to start when the replay could not be seen, or would fight a staff decision."""
    if not settings.SIMULATOR_ENABLED:
        raise ScenarioError("The simulator is disabled (SIMULATOR_ENABLED is off).")
    declared = UpstreamSystem.objects.exclude(manual_state="").values_list("code", flat=True)
    if declared:
        raise ScenarioError(
            f"Declared by hand: {', '.join(declared)}. A declaration wins over the simulator; "
            "clear it first."
        )
    url = settings.HEALTH_URLS.get("pdn")
    if not url:
        raise ScenarioError("No health URL for pdn (PDN_HEALTH_URL).")
    fetched = fetch(url)
    # A fault is reset by the replay; a server that cannot be reached is not.
    unreachable = fetched.error == ObservationError.CONNECTION or (
        bool(fetched.error) and SimulatedPdn.load().fault == FaultMode.NONE
    )
    if unreachable:
        raise ScenarioError(
            f"Cannot read the simulator at {url} ({fetched.detail}). Start the portal "
            "(make run) or set PDN_HEALTH_URL to its /simulator/pdn/health."
        )


def prepare() -> None:
    """Stop any simulated fault and end a hold left by an interrupted replay."""
    simulator.set_fault(FaultMode.NONE)
    leftover = _holds().select_related("office")
    if leftover:
        overrides.clear_overrides(leftover)


def _holds():
    return Override.objects.active(timezone.now()).filter(
        office__code=EXPRESS_OFFICE, service__code=EXPRESS_SERVICE, reason=HOLD_REASON
    )


# --- Phases -------------------------------------------------------------------------------


def replay(
    phases: Sequence[Phase],
    *,
    speed: float,
    write: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Published | None:
    """Play ``phases`` at ``speed`` simulated seconds per real second; return the last state."""
    if speed <= 0:
        raise ScenarioError("The speed must be a positive number of simulated seconds per second.")
    check_ready()
    prepare()
    started, first = clock(), phases[0].at
    bundle = None
    for phase in phases:
        # Each phase is due at its offset from the first, whatever the earlier ones took.
        delay = started + (phase.at - first).total_seconds() / speed - clock()
        if delay > 0:
            sleep(delay)
        bundle = apply(phase, write)
        write(describe(phase, bundle))
    return bundle


def apply(phase: Phase, write: Callable[[str], None]) -> Published:
    """Apply one phase: staff holds first (nothing opens early), then the simulator, then polls."""
    if phase.staff == HOLD_EXPRESS:
        overrides.create_override(
            Office.objects.get(code=EXPRESS_OFFICE),
            service=Service.objects.get(code=EXPRESS_SERVICE),
            state=ForcedState.CLOSED,
            reason=HOLD_REASON,
        )
    if phase.pdn is not None:
        simulator.set_state(phase.pdn, phase.cekal)
        _poll(phase, write)
    if phase.staff == REOPEN_EXPRESS:
        overrides.clear_overrides(_holds().select_related("office"))
    return published()


def _poll(phase: Phase, write: Callable[[str], None]) -> None:
    readings = poll_once_exclusively(wait=poll_budget())
    if readings is None:
        write("  (a poll is still running; the poller will show this phase on its next tick)")
        return
    expected = {"pdn": phase.pdn, "cekal": phase.cekal}
    for code, reading in readings.items():
        if expected.get(code) and _reported(reading) != expected[code]:
            write(
                f"  warning: {code} read as {_reported(reading)}, not {expected[code]}: "
                "is PDN_HEALTH_URL this portal's simulator?"
            )


def _reported(reading: Reading) -> str:
    return reading.state or f"error ({reading.error})"


# --- Output -------------------------------------------------------------------------------


def wib(moment: datetime) -> str:
    """A date as Indonesian reporting writes it: "Kamis, 20 Juni 2024 pukul 06.00 WIB"."""
    local = moment.astimezone(WIB)
    return (
        f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
        f"pukul {local:%H.%M} WIB"
    )


def describe(phase: Phase, bundle: Published) -> str:
    """The phase's date and headline, then what the portal now shows."""
    snap = bundle.snapshot
    lines = [f"{wib(phase.at)} — {phase.headline}"]
    lines.append("  systems: " + ", ".join(f"{s.code} {s.state}" for s in snap.systems))
    for office in snap.offices:
        parts = [_service_text(s) for s in office.services]
        lines.append(f"  {office.code}: " + "; ".join(parts))
    return "\n".join(lines)


def _service_text(service) -> str:
    if service.state == ServiceState.PARTIAL:
        return f"{service.code} {service.state} ({', '.join(service.available_stages)})"
    return f"{service.code} {service.state}"


def duration_text(phases: Sequence[Phase], speed: float) -> str:
    """How long a replay takes in real time, e.g. "4 min 26 s"."""
    seconds = round((phases[-1].at - phases[0].at).total_seconds() / speed)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
