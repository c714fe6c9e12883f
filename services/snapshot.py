"""Build the engine's inputs from the database, record transitions, publish the snapshot.

``recompute`` is the one way state changes become visible: it locks the revision row, runs
the gating engine, writes one ``StatusEvent`` per changed office-stage, office-service and
system, and publishes the result to the cache before its transaction commits, so that two
recomputes can neither record a transition twice nor publish out of order.
``published`` is the read path: a cache hit while the snapshot is still valid, else a
recompute.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from offices.models import Office, OfficeClosure

from . import gating, metrics, signals
from .models import (
    CurrentState,
    Override,
    Revision,
    Service,
    Stage,
    StageRequirement,
    StatusEvent,
    UpstreamSystem,
)
from .states import Cause, StateSource, SystemState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

HEAD_KEY = "snapshot:head"
BUNDLE_TTL = 24 * 3600


@dataclass(frozen=True)
class OfficeInfo:
    code: str
    name: str
    office_class: str
    tpi: bool
    region: str
    address: str
    timezone: str
    opening_hours: dict[str, list[str]]
    region_code: str = ""


Since = dict[tuple[str, str, str], datetime]  # (office, "stage"|"service", code) -> since
ChangedAt = dict[str, datetime | None]  # system -> changed_at


@dataclass(frozen=True)
class Published:
    """A snapshot with what it takes to present it, without the database."""

    token: str
    revision: int
    snapshot: gating.Snapshot
    offices: dict[str, OfficeInfo]
    stage_names: dict[str, tuple[str, str]]  # code -> (id, en)
    service_names: dict[str, tuple[str, str]]
    system_names: dict[str, str]
    since: Since
    changed_at: ChangedAt = field(default_factory=dict)

    def is_valid(self, now: datetime) -> bool:
        until = self.snapshot.valid_until
        return until is None or now < until


def stale_after() -> timedelta:
    return timedelta(seconds=settings.STALE_AFTER_SECONDS)


# --- Read path ----------------------------------------------------------------------------


def published(now: datetime | None = None) -> Published:
    """Return the current snapshot: from the cache while valid, else freshly recomputed."""
    now = now or timezone.now()
    try:
        bundle = _cached()
    except CacheUnavailable:
        # Without a shared cache, reuse this process's last bundle for a moment rather
        # than recompute on every request; it is at most DEGRADED_REUSE old.
        bundle = _recent_local(now)
    if bundle is not None and bundle.is_valid(now):
        return bundle
    # Reads never write: the transitions are recorded by the next poll or staff change.
    return recompute(now=now, reuse_valid=True, record=False)


class CacheUnavailable(Exception):
    """The shared cache did not answer."""


DEGRADED_REUSE = timedelta(seconds=1)
# How long a process trusts the cache's head without asking again. A change is visible at
# once in the process that made it, and in every other within this many seconds; under a
# surge it saves a cache round trip on nearly every request.
HEAD_REUSE_SECONDS = 0.05


class _Head(TypedDict):
    token: str
    read_at: float


_local: dict[str, Published] = {}  # the last bundle this process used, by token
_head: _Head = {"token": "", "read_at": 0.0}  # the head as this process last read or wrote it


def _cached() -> Published | None:
    """The published bundle named by the cache's head, unpickled once per process."""
    moment = time.monotonic()
    if moment - _head["read_at"] < HEAD_REUSE_SECONDS and _head["token"] in _local:
        return _local[_head["token"]]
    try:
        token = cache.get(HEAD_KEY)
        if not token:
            return None
        bundle = _local.get(token)
        if bundle is None:
            bundle = cache.get(_bundle_key(token))
            if bundle is not None:
                _remember(bundle)
        if bundle is not None:
            _head.update({"token": token, "read_at": moment})
        return bundle
    except Exception as exc:  # the cache is an optimisation: a dead Redis must not fail a read
        log.warning("snapshot cache unavailable; reading from the database: %s", exc)
        raise CacheUnavailable from exc


def _remember(bundle: Published) -> None:
    _local.clear()
    _local[bundle.token] = bundle


def _recent_local(now: datetime) -> Published | None:
    bundle = next(iter(_local.values()), None)
    if bundle is not None and now - bundle.snapshot.generated_at < DEGRADED_REUSE:
        return bundle
    return None


def _store(bundle: Published) -> None:
    _remember(bundle)
    _head.update({"token": bundle.token, "read_at": time.monotonic()})
    try:
        cache.set(_bundle_key(bundle.token), bundle, BUNDLE_TTL)
    except Exception:
        log.warning("snapshot cache unavailable; not caching", exc_info=True)
        return
    signals.send_snapshot_ready(bundle)
    try:
        cache.set(HEAD_KEY, bundle.token, BUNDLE_TTL)
    except Exception:
        log.warning("snapshot cache unavailable; not caching", exc_info=True)


def _bundle_key(token: str) -> str:
    return f"snapshot:bundle:{token}"


# --- Write path ---------------------------------------------------------------------------


def recompute(
    *,
    now: datetime | None = None,
    actor: User | None = None,
    cause: str | None = None,
    reuse_valid: bool = False,
    record: bool = True,
) -> Published:
    """Recompute the snapshot, record every transition once, and publish it.

    ``cause`` names what the caller changed, for transitions that the new state alone does
    not explain; ``actor`` is the user who changed it. With ``reuse_valid``, a snapshot that
    another process published while this one waited for the lock is returned as it is.
    Without ``record`` (a read that found no valid snapshot), nothing is written: the
    snapshot is published with the recorded ``since`` of the states that did not change.
    """
    with transaction.atomic():
        # Lock order everywhere: systems, then the revision (the poller holds the former).
        systems = list(UpstreamSystem.objects.select_for_update().order_by("pk"))
        revision = Revision.lock()
        now = now or timezone.now()
        if reuse_valid:
            try:
                bundle = _cached()
            except CacheUnavailable:
                bundle = None
            if bundle is not None and bundle.revision == revision.number and bundle.is_valid(now):
                return bundle
        inputs = load_inputs(now, systems)
        snapshot = gating.effective_status(**inputs.engine, now=now, stale_after=stale_after())
        if record:
            since, changed_at = _record(snapshot, inputs, revision, now, actor, cause)
        else:
            since, changed_at = _recorded_since(snapshot, inputs, now)
        bundle = Published(
            token=uuid.uuid4().hex,
            revision=revision.number,
            snapshot=snapshot,
            offices={o.code: _office_info(o) for o in inputs.offices},
            stage_names={s.code: (s.name_id, s.name_en) for s in inputs.stages},
            service_names={s.code: (s.name_id, s.name_en) for s in inputs.services},
            system_names={s.code: s.name for s in inputs.systems},
            since=since,
            changed_at=changed_at,
        )
        # Published while the lock is held, so a later recompute always publishes later.
        _store(bundle)
        transaction.on_commit(partial(signals.send_snapshot_published, bundle))
    return bundle


def _record(
    snapshot: gating.Snapshot,
    inputs: Inputs,
    revision: Revision,
    now: datetime,
    actor: User | None,
    cause: str | None,
) -> tuple[Since, ChangedAt]:
    """Write the transitions of ``snapshot`` and a new revision; return ``since`` and
    ``changed_at``."""
    events, since = _record_transitions(snapshot, inputs, now, actor, cause)
    system_events, changed_at = _record_system_transitions(
        snapshot, inputs.systems, now, actor, cause
    )
    StatusEvent.objects.bulk_create(events + system_events)
    transaction.on_commit(partial(metrics.count_events, events + system_events))
    for event in system_events:
        # Receivers (the portal's draft advisories) only hear of committed transitions.
        transaction.on_commit(partial(signals.send_system_state_changed, event))
    revision.number += 1
    revision.computed_at, revision.valid_until = now, snapshot.valid_until
    revision.save(update_fields=["number", "computed_at", "valid_until"])
    return since, changed_at


CATCH_UP_LIMIT = 100


def catch_up(now: datetime) -> int:
    """Record, each at its own moment, what time alone changed since the last recorded
    snapshot while nothing recorded (the poller was down; reads never write): data going
    stale, an override expiring, a closure starting. Return how many moments were recorded.

    The poller calls it before it records new observations, which would hide the gap.
    """
    recorded = 0
    while recorded < CATCH_UP_LIMIT:
        moment = Revision.objects.values_list("valid_until", flat=True).first()
        if moment is None or moment >= now:
            break
        bundle = recompute(now=moment)
        recorded += 1
        if bundle.snapshot.valid_until is not None and bundle.snapshot.valid_until <= moment:
            break  # no progress: leave the rest to ``now``
    return recorded


def _recorded_since(
    snapshot: gating.Snapshot, inputs: Inputs, now: datetime
) -> tuple[Since, ChangedAt]:
    """``since`` and ``changed_at`` as recorded, and ``now`` for what changed unrecorded."""
    current = {
        _key(row): row for row in CurrentState.objects.select_related("office", "stage", "service")
    }
    since: Since = {}
    for office in snapshot.offices:
        items = [("stage", s) for s in office.stages] + [("service", s) for s in office.services]
        for kind, status in items:
            key = (office.code, kind, status.code)
            row = current.get(key)
            since[key] = row.since if row is not None and row.state == status.state else now
    systems = {s.code: s for s in inputs.systems}
    changed_at = {
        s.code: systems[s.code].changed_at if systems[s.code].state == s.state else now
        for s in snapshot.systems
    }
    return since, changed_at


class EngineInputs(TypedDict):
    """The keyword arguments of ``gating.effective_status`` that come from the database."""

    offices: list[gating.OfficeInput]
    stages: list[gating.StageInput]
    systems: list[gating.SystemInput]
    requirements: list[gating.RequirementInput]
    services: list[gating.ServiceInput]
    overrides: list[gating.OverrideInput]
    closures: list[gating.ClosureInput]


@dataclass
class Inputs:
    offices: list[Office]
    stages: list[Stage]
    services: list[Service]
    systems: list[UpstreamSystem]
    engine: EngineInputs


def load_inputs(now: datetime, systems: list[UpstreamSystem] | None = None) -> Inputs:
    """Load everything the engine needs in a fixed number of queries."""
    offices = list(Office.objects.select_related("region"))
    stages = list(Stage.objects.all())
    if systems is None:
        systems = list(UpstreamSystem.objects.all())
    services = list(Service.objects.prefetch_related("service_stages", "offices"))
    stage_codes = {s.pk: s.code for s in stages}
    requirements = StageRequirement.objects.select_related("stage", "system")
    overrides = Override.objects.active(now).select_related("office", "stage", "service", "actor")
    closures = OfficeClosure.objects.relevant(now).select_related("office")
    engine: EngineInputs = {
        "offices": [gating.OfficeInput(o.code, o.tpi, o.timezone) for o in offices],
        "stages": [gating.StageInput(s.code, s.order, s.tpi_only) for s in stages],
        "systems": [
            gating.SystemInput(s.code, s.name, s.observed_state, s.manual_state, s.checked_at)
            for s in systems
        ],
        "requirements": [
            gating.RequirementInput(r.stage.code, r.system.code, r.minimum_state)
            for r in requirements
        ],
        "services": [
            gating.ServiceInput(
                s.code,
                s.mode,
                tuple(stage_codes[ss.stage_id] for ss in s.service_stages.all()),
                frozenset(o.code for o in s.offices.all()),
                s.season_start,
                s.season_end,
            )
            for s in services
        ],
        "overrides": [
            gating.OverrideInput(
                office=o.office.code,
                state=o.state,
                reason=o.reason,
                stage=o.stage.code if o.stage_id else None,
                service=o.service.code if o.service_id else None,
                created_at=o.created_at,
                expires_at=o.expires_at,
                actor=o.actor.get_username() if o.actor_id else "",
            )
            for o in overrides
        ],
        "closures": [
            gating.ClosureInput(c.office.code, c.reason, c.starts_at, c.ends_at) for c in closures
        ],
    }
    return Inputs(offices, stages, services, systems, engine)


def _office_info(o: Office) -> OfficeInfo:
    return OfficeInfo(
        o.code,
        o.name,
        o.office_class,
        o.tpi,
        o.region.name,
        o.address,
        o.timezone,
        o.opening_hours,
        region_code=o.region.code,
    )


def _record_transitions(
    snapshot: gating.Snapshot,
    inputs: Inputs,
    now: datetime,
    actor: User | None,
    cause: str | None,
) -> tuple[list[StatusEvent], Since]:
    """Update current states; return one event per change, and each state's ``since``."""
    offices = {o.code: o for o in inputs.offices}
    stages = {s.code: s for s in inputs.stages}
    services = {s.code: s for s in inputs.services}
    current = {
        _key(row): row for row in CurrentState.objects.select_related("office", "stage", "service")
    }
    systems = {s.code: s for s in inputs.systems}
    changed = [s.code for s in snapshot.systems if systems[s.code].state != s.state]
    needs = _needs(inputs)
    seen: set[tuple[str, str, str]] = set()
    events: list[StatusEvent] = []
    creates: list[CurrentState] = []
    updates: list[CurrentState] = []
    for office in snapshot.offices:
        items = [("stage", s) for s in office.stages] + [("service", s) for s in office.services]
        for kind, status in items:
            key = (office.code, kind, status.code)
            seen.add(key)
            row = current.get(key)
            if row is not None and row.state == status.state:
                if row.cause != status.cause:
                    # Same state for a new reason (an override now holds what a system did):
                    # the transition that ends it must be told what it ends.
                    row.cause = status.cause
                    updates.append(row)
                continue
            target = (
                {"stage": stages[status.code]}
                if kind == "stage"
                else {"service": services[status.code]}
            )
            old_state, old_cause = (row.state, row.cause) if row else ("", "")
            event_cause = _transition_cause(status, old_cause, cause)
            events.append(
                StatusEvent(
                    office=offices[office.code],
                    old_state=old_state,
                    new_state=status.state,
                    cause=event_cause,
                    reason=_reason(status),
                    actor=actor if event_cause in _ACTOR_CAUSES else None,
                    system=systems.get(
                        _explaining_system(event_cause, status, needs[kind, status.code], changed)
                    ),
                    at=now,
                    **target,
                )
            )
            if row is None:
                creates.append(
                    CurrentState(
                        office=offices[office.code],
                        state=status.state,
                        cause=status.cause,
                        since=now,
                        **target,
                    )
                )
            else:
                row.state, row.cause, row.since = status.state, status.cause, now
                updates.append(row)
    gone = [row for key, row in current.items() if key not in seen]
    for row in gone:
        events.append(
            StatusEvent(
                office=row.office,
                stage=row.stage,
                service=row.service,
                old_state=row.state,
                new_state="",
                cause=Cause.SCHEDULE,
                at=now,
            )
        )
    CurrentState.objects.filter(pk__in=[r.pk for r in gone]).delete()
    CurrentState.objects.bulk_create(creates)
    CurrentState.objects.bulk_update(updates, ["state", "cause", "since"])
    since = {k: r.since for k, r in current.items() if k in seen}
    since.update({_key(r): r.since for r in creates})
    return events, since


_ACTOR_CAUSES = {Cause.OVERRIDE, Cause.CLOSURE, Cause.DECLARATION}
_SYSTEM_CAUSES = {Cause.SYSTEM, Cause.DECLARATION, Cause.STALE}


def _needs(inputs: Inputs) -> dict[tuple[str, str], tuple[str, ...]]:
    """The systems each stage and service depends on, keyed by ("stage"|"service", code)."""
    stages: dict[str, tuple[str, ...]] = {s.code: () for s in inputs.stages}
    for r in inputs.engine["requirements"]:
        stages[r.stage] += (r.system,)
    needs = {("stage", code): systems for code, systems in stages.items()}
    for service in inputs.engine["services"]:
        needs["service", service.code] = tuple(
            dict.fromkeys(system for stage in service.stages for system in stages.get(stage, ()))
        )
    return needs


def _explaining_system(
    cause: str,
    status: gating.StageStatus | gating.ServiceStatus,
    needs: tuple[str, ...],
    changed: list[str],
) -> str:
    """The system behind a system-caused transition: one it waits for, else one that changed."""
    if cause not in _SYSTEM_CAUSES:
        return ""
    waiting = list(status.waiting_for)
    candidates = [c for c in waiting if c in changed] + waiting + [c for c in changed if c in needs]
    return candidates[0] if candidates else ""


def _key(row: CurrentState) -> tuple[str, str, str]:
    if row.stage_id:
        assert row.stage is not None
        return (row.office.code, "stage", row.stage.code)
    assert row.service is not None
    return (row.office.code, "service", row.service.code)


def _transition_cause(
    status: gating.StageStatus | gating.ServiceStatus, old_cause: str, hint: str | None
) -> str:
    """What explains a transition: the new state's cause, else what ended, else the caller's."""
    if status.cause:
        return status.cause
    return old_cause or hint or Cause.SYSTEM


def _reason(status: gating.StageStatus | gating.ServiceStatus) -> str:
    if status.reason:
        return status.reason
    if status.waiting_for:
        return "waiting for " + ", ".join(status.waiting_for)
    return ""


def _record_system_transitions(
    snapshot: gating.Snapshot,
    systems: list[UpstreamSystem],
    now: datetime,
    actor: User | None,
    hint: str | None,
) -> tuple[list[StatusEvent], ChangedAt]:
    """Update systems' recorded states; return one event per change, and ``changed_at``."""
    by_code = {s.code: s for s in systems}
    events: list[StatusEvent] = []
    changed_at: ChangedAt = {}
    for status in snapshot.systems:
        system = by_code[status.code]
        if system.state != status.state:
            cause = _system_cause(status, hint)
            events.append(
                StatusEvent(
                    system=system,
                    old_state=system.state,
                    new_state=status.state,
                    cause=cause,
                    reason=system.manual_reason if status.source == StateSource.MANUAL else "",
                    actor=actor if cause == Cause.DECLARATION else None,
                    at=now,
                )
            )
            system.state, system.changed_at = status.state, now
            system.save(update_fields=["state", "changed_at"])
        changed_at[status.code] = system.changed_at
    return events, changed_at


def _system_cause(status: gating.SystemStatus, hint: str | None) -> str:
    if status.source == StateSource.MANUAL or hint == Cause.DECLARATION:
        return Cause.DECLARATION
    if status.stale and status.state == SystemState.UNKNOWN:
        return Cause.STALE
    return Cause.SYSTEM
