"""The gating engine: which stages and services are open at each office, and why.

Pure functions over plain data. No ORM, no settings, no clock: ``now`` and ``stale_after``
are parameters, so every rule can be table-tested (DESIGN.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .states import Cause, ServiceMode, ServiceState, StageState, StateSource, SystemState

_RANK: dict[str, int] = {SystemState.DOWN: 0, SystemState.DEGRADED: 1, SystemState.UP: 2}


# --- Inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemInput:
    code: str
    name: str = ""
    observed_state: str = ""
    manual_state: str = ""
    checked_at: datetime | None = None


@dataclass(frozen=True)
class StageInput:
    code: str
    order: int = 0
    tpi_only: bool = False


@dataclass(frozen=True)
class RequirementInput:
    stage: str
    system: str
    minimum: str


@dataclass(frozen=True)
class OfficeInput:
    code: str
    tpi: bool = False
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class ServiceInput:
    code: str
    mode: str
    stages: tuple[str, ...]
    offices: frozenset[str]
    season_start: date | None = None
    season_end: date | None = None


@dataclass(frozen=True)
class OverrideInput:
    office: str
    state: str
    reason: str
    stage: str | None = None
    service: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    actor: str = ""


@dataclass(frozen=True)
class ClosureInput:
    office: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None = None


# --- Outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemStatus:
    code: str
    name: str
    state: str
    source: str
    checked_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class StageStatus:
    code: str
    state: str
    cause: str = Cause.NONE
    reason: str = ""  # staff's words, for overrides and closures
    waiting_for: tuple[str, ...] = ()  # systems that keep the stage from opening


@dataclass(frozen=True)
class ServiceStatus:
    code: str
    state: str
    available_stages: tuple[str, ...] = ()
    waiting_stages: tuple[str, ...] = ()
    cause: str = Cause.NONE
    reason: str = ""
    waiting_for: tuple[str, ...] = ()
    blocked_stage: str | None = None  # the first stage that is not open


@dataclass(frozen=True)
class OfficeStatus:
    code: str
    stages: tuple[StageStatus, ...]
    services: tuple[ServiceStatus, ...]

    def stage(self, code: str) -> StageStatus:
        return next(s for s in self.stages if s.code == code)

    def service(self, code: str) -> ServiceStatus:
        return next(s for s in self.services if s.code == code)


@dataclass(frozen=True)
class Snapshot:
    generated_at: datetime
    stale: bool
    systems: tuple[SystemStatus, ...]
    offices: tuple[OfficeStatus, ...]
    valid_until: datetime | None = None  # when time alone will change the answer

    def office(self, code: str) -> OfficeStatus:
        return next(o for o in self.offices if o.code == code)

    def system(self, code: str) -> SystemStatus:
        return next(s for s in self.systems if s.code == code)


@dataclass
class _Context:
    now: datetime
    systems: dict[str, SystemStatus]
    requirements: dict[str, list[RequirementInput]]
    stage_overrides: dict[tuple[str, str], OverrideInput] = field(default_factory=dict)
    service_overrides: dict[tuple[str, str], OverrideInput] = field(default_factory=dict)
    closures: dict[str, ClosureInput] = field(default_factory=dict)


# --- Systems ------------------------------------------------------------------------------


def system_status(system: SystemInput, now: datetime, stale_after: timedelta) -> SystemStatus:
    """Return a system's effective state: manual, else observed unless stale, else unknown."""
    if system.manual_state:
        return SystemStatus(
            system.code,
            system.name,
            system.manual_state,
            StateSource.MANUAL,
            system.checked_at,
            False,
        )
    stale = system.checked_at is None or now - system.checked_at >= stale_after
    state = SystemState.UNKNOWN if stale or not system.observed_state else system.observed_state
    return SystemStatus(
        system.code, system.name, state, StateSource.POLLER, system.checked_at, stale
    )


# --- Stages -------------------------------------------------------------------------------


def stage_status(office: OfficeInput, stage: StageInput, ctx: _Context) -> StageStatus:
    """Apply the stage rules in order; the first that applies wins."""
    # 1. Office closure.
    closure = ctx.closures.get(office.code)
    if closure:
        return StageStatus(stage.code, StageState.CLOSED, Cause.CLOSURE, closure.reason)
    # 2. Stage override.
    override = ctx.stage_overrides.get((office.code, stage.code))
    if override:
        return StageStatus(stage.code, override.state, Cause.OVERRIDE, override.reason)
    requirements = ctx.requirements.get(stage.code, [])
    # 3. A required system is unknown.
    unknown = tuple(r.system for r in requirements if _state(ctx, r.system) == SystemState.UNKNOWN)
    if unknown:
        return StageStatus(stage.code, StageState.UNKNOWN, Cause.STALE, waiting_for=unknown)
    # 4. A requirement is unmet.
    unmet = tuple(r.system for r in requirements if _RANK[_state(ctx, r.system)] < _RANK[r.minimum])
    if unmet:
        return StageStatus(
            stage.code, StageState.CLOSED, _system_cause(ctx, unmet), waiting_for=unmet
        )
    # 5. Open.
    return StageStatus(stage.code, StageState.OPEN)


def _state(ctx: _Context, system: str) -> str:
    status = ctx.systems.get(system)
    return status.state if status else SystemState.UNKNOWN


def _system_cause(ctx: _Context, systems: Iterable[str]) -> str:
    manual = any(ctx.systems[s].source == StateSource.MANUAL for s in systems)
    return Cause.DECLARATION if manual else Cause.SYSTEM


# --- Services -----------------------------------------------------------------------------


def service_status(
    office: OfficeInput, service: ServiceInput, stages: dict[str, StageStatus], ctx: _Context
) -> ServiceStatus:
    """Derive a service's state from its stages, unless a closure or an override decides."""
    codes = tuple(code for code in service.stages if code in stages)
    closure = ctx.closures.get(office.code)
    if closure:
        return ServiceStatus(
            service.code, ServiceState.CLOSED, (), codes, Cause.CLOSURE, closure.reason
        )
    override = ctx.service_overrides.get((office.code, service.code))
    if override:
        is_open = override.state == ServiceState.OPEN
        available, waiting = (codes, ()) if is_open else ((), codes)
        return ServiceStatus(
            service.code, override.state, available, waiting, Cause.OVERRIDE, override.reason
        )
    blocked = next((stages[c] for c in codes if stages[c].state != StageState.OPEN), None)
    if blocked is None:
        return ServiceStatus(service.code, ServiceState.OPEN, codes)
    prefix = codes[: codes.index(blocked.code)]
    if service.mode == ServiceMode.SAME_DAY:
        # Same-day needs the whole chain: it is closed when any stage is closed, and unknown
        # (never "open") when nothing is closed but something is unknown.
        closed = next((stages[c] for c in codes if stages[c].state == StageState.CLOSED), None)
        blocked = closed or blocked
        prefix = ()
        state = ServiceState.CLOSED if closed else ServiceState.UNKNOWN
    elif prefix:
        state = ServiceState.PARTIAL
    else:
        state = ServiceState.UNKNOWN if blocked.state == StageState.UNKNOWN else ServiceState.CLOSED
    waiting = tuple(c for c in codes if c not in prefix)
    return ServiceStatus(
        service.code,
        state,
        prefix,
        waiting,
        blocked.cause,
        blocked.reason,
        blocked.waiting_for,
        blocked.code,
    )


def in_season(service: ServiceInput, today: date) -> bool:
    """Whether a seasonal service is offered on ``today``."""
    if service.season_start and today < service.season_start:
        return False
    return not (service.season_end and today > service.season_end)


# --- The whole picture --------------------------------------------------------------------


def effective_status(
    *,
    offices: Sequence[OfficeInput],
    stages: Sequence[StageInput],
    systems: Sequence[SystemInput],
    requirements: Sequence[RequirementInput],
    services: Sequence[ServiceInput],
    overrides: Sequence[OverrideInput] = (),
    closures: Sequence[ClosureInput] = (),
    now: datetime,
    stale_after: timedelta,
) -> Snapshot:
    """Compute every office's stages and services at ``now``."""
    ctx = _context(systems, requirements, overrides, closures, now, stale_after)
    ordered_stages = sorted(stages, key=lambda s: s.order)
    office_statuses = []
    for office in offices:
        today = now.astimezone(ZoneInfo(office.timezone)).date()
        stage_map = {
            s.code: stage_status(office, s, ctx)
            for s in ordered_stages
            if office.tpi or not s.tpi_only
        }
        offered = [s for s in services if office.code in s.offices and in_season(s, today)]
        office_statuses.append(
            OfficeStatus(
                office.code,
                tuple(stage_map.values()),
                tuple(service_status(office, s, stage_map, ctx) for s in offered),
            )
        )
    return Snapshot(
        generated_at=now,
        stale=any(s.stale for s in ctx.systems.values()),
        systems=tuple(ctx.systems.values()),
        offices=tuple(office_statuses),
        valid_until=_valid_until(offices, systems, services, overrides, closures, now, stale_after),
    )


def _context(
    systems: Sequence[SystemInput],
    requirements: Sequence[RequirementInput],
    overrides: Sequence[OverrideInput],
    closures: Sequence[ClosureInput],
    now: datetime,
    stale_after: timedelta,
) -> _Context:
    """Index the inputs that are in force at ``now``; the latest override of a target wins."""
    reqs: dict[str, list[RequirementInput]] = {}
    for r in requirements:
        reqs.setdefault(r.stage, []).append(r)
    ctx = _Context(now, {s.code: system_status(s, now, stale_after) for s in systems}, reqs)
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    for o in sorted(overrides, key=lambda o: o.created_at or epoch):
        if o.expires_at is None or o.expires_at > now:
            if o.stage:
                ctx.stage_overrides[(o.office, o.stage)] = o
            elif o.service:
                ctx.service_overrides[(o.office, o.service)] = o
    for c in sorted(closures, key=lambda c: c.starts_at):
        if c.starts_at <= now and (c.ends_at is None or c.ends_at > now):
            ctx.closures[c.office] = c
    return ctx


def _valid_until(
    offices: Sequence[OfficeInput],
    systems: Sequence[SystemInput],
    services: Sequence[ServiceInput],
    overrides: Sequence[OverrideInput],
    closures: Sequence[ClosureInput],
    now: datetime,
    stale_after: timedelta,
) -> datetime | None:
    """Return the first moment after ``now`` at which time alone changes the snapshot."""
    moments: list[datetime] = []
    for s in systems:
        if not s.manual_state and s.checked_at is not None:
            moments.append(s.checked_at + stale_after)
    moments += [o.expires_at for o in overrides if o.expires_at]
    moments += [c.starts_at for c in closures] + [c.ends_at for c in closures if c.ends_at]
    for office in offices:
        tz = ZoneInfo(office.timezone)
        for service in services:
            if office.code in service.offices:
                if service.season_start:
                    moments.append(datetime.combine(service.season_start, time(), tz))
                if service.season_end:
                    end = service.season_end + timedelta(days=1)
                    moments.append(datetime.combine(end, time(), tz))
    future = [m for m in moments if m > now]
    return min(future) if future else None
