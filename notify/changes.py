"""Settle what changed at each office, then put one notification per recipient in the outbox.

Each office has a *view*: what a visitor would care about there (each stage's and service's
state, whether the office is closed, the advisories in force). ``observe`` compares the
current view with what subscribers were last told:

1. a view equal to the one last told clears any pending change (a flap sends nothing);
2. a new view different from the pending one starts (or restarts) the settling window;
3. a view unchanged for ``NOTIFY_SETTLE_SECONDS`` is told: one mail per subscriber who
   cares about one of its changes, one webhook delivery per change per webhook, all
   written in the transaction that records the view as told (so each is written once).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from offices.models import Office
from portal.choices import AdvisoryPhase
from portal.models import Advisory
from services.choices import Cause
from services.gating import OfficeStatus
from services.models import ServiceStage
from services.snapshot import Published, published

from .choices import AdvisoryPresence, ChangeKind, Channel, OfficeOpenness
from .models import Notification, OfficeWatch, Subscriber, Webhook

View = dict[str, Any]
Change = dict[str, Any]


def settle_window() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_SETTLE_SECONDS)


# --- Views and changes ----------------------------------------------------------------------


def office_view(office: OfficeStatus, advisories: list[int]) -> View:
    """What a visitor cares about at one office, as plain JSON."""
    closed = bool(office.stages) and all(s.cause == Cause.CLOSURE for s in office.stages)
    return {
        ChangeKind.OFFICE: OfficeOpenness.CLOSED if closed else OfficeOpenness.OPEN,
        ChangeKind.STAGE: {s.code: s.state for s in office.stages},
        ChangeKind.SERVICE: {s.code: s.state for s in office.services},
        ChangeKind.ADVISORY: sorted(advisories),
    }


def advisories_by_office(now: datetime, codes: list[str]) -> dict[str, list[int]]:
    """The published, unresolved advisories in force at ``now`` for each office."""
    found: dict[str, list[int]] = {code: [] for code in codes}
    rows = (
        Advisory.objects.published(now)
        .exclude(phase=AdvisoryPhase.RESOLVED)
        .prefetch_related("offices")
    )
    for advisory in rows:
        named = [o.code for o in advisory.offices.all()]
        for code in named or codes:
            if code in found:
                found[code].append(advisory.pk)
    return found


def diff(old: View, new: View, office: OfficeStatus, bundle: Published) -> list[Change]:
    """The changes from ``old`` to ``new``, each with its new state, cause and reason."""
    changes: list[Change] = []
    if old[ChangeKind.OFFICE] != new[ChangeKind.OFFICE]:
        changes.append(_change(ChangeKind.OFFICE, office.code, old, new, Cause.CLOSURE, ""))
    statuses = {
        ChangeKind.STAGE: {s.code: s for s in office.stages},
        ChangeKind.SERVICE: {s.code: s for s in office.services},
    }
    for kind, current in statuses.items():
        gone = sorted(set(old[kind]) - set(current))
        for code in [*current, *gone]:  # in the engine's order (stages in flow order)
            before, after = old[kind].get(code, ""), new[kind].get(code, "")
            if before != after:
                status = current.get(code)
                cause = status.cause if status else Cause.NONE
                reason = status.reason if status else ""
                waiting = list(status.waiting_for) if status else []
                changes.append(
                    {
                        "kind": kind,
                        "code": code,
                        "old_state": before,
                        "state": after,
                        "cause": str(cause),
                        "reason": reason,
                        "waiting_for": waiting,
                        "since": _since(bundle, office.code, kind, code),
                    }
                )
    old_ads, new_ads = set(old[ChangeKind.ADVISORY]), set(new[ChangeKind.ADVISORY])
    for pk in sorted(new_ads - old_ads):
        changes.append(_advisory_change(pk, AdvisoryPresence.ENDED, AdvisoryPresence.PUBLISHED))
    for pk in sorted(old_ads - new_ads):
        changes.append(_advisory_change(pk, AdvisoryPresence.PUBLISHED, AdvisoryPresence.ENDED))
    return changes


def _change(kind: str, code: str, old: View, new: View, cause: str, reason: str) -> Change:
    return {
        "kind": kind,
        "code": code,
        "old_state": old[kind],
        "state": new[kind],
        "cause": str(cause),
        "reason": reason,
        "waiting_for": [],
        "since": None,
    }


def _advisory_change(pk: int, before: str, after: str) -> Change:
    return {
        "kind": ChangeKind.ADVISORY,
        "code": str(pk),
        "old_state": str(before),
        "state": str(after),
        "cause": "",
        "reason": "",
        "waiting_for": [],
        "since": None,
    }


def _since(bundle: Published, office: str, kind: str, code: str) -> str | None:
    moment = bundle.since.get((office, kind, code))
    return moment.isoformat() if moment else None


# --- Settling ---------------------------------------------------------------------------------


@dataclass
class Observed:
    """What one observation did: offices told, and the outbox rows it wrote."""

    told: list[str]
    notifications: list[int]
    started: int  # offices whose change started to settle now


def observe(now: datetime | None = None) -> Observed:
    """Compare each office's view with what was told; tell the settled changes (see above).

    The watches are locked before the snapshot is read, so that of two observers the later
    one sees both the other's record and a snapshot at least as new.
    """
    now = now or timezone.now()
    result = Observed([], [], 0)
    with transaction.atomic():
        watches = {w.office_id: w for w in OfficeWatch.objects.select_for_update()}
        bundle = published(now)
        codes = [o.code for o in bundle.snapshot.offices]
        advisories = advisories_by_office(now, codes)
        offices = {o.code: o for o in Office.objects.filter(code__in=codes)}
        for status in bundle.snapshot.offices:
            office = offices.get(status.code)
            if office is None:
                continue
            view = office_view(status, advisories[status.code])
            watch = watches.get(office.pk) or OfficeWatch(office=office)
            changes = _settle(watch, view, status, bundle, now)
            if changes:
                result.told.append(status.code)
                result.notifications += enqueue(office, changes, bundle, now)
            result.started += watch.pending_since == now
    if result.started:  # observe again when the window ends, not only at the next snapshot
        transaction.on_commit(_observe_again)
    if result.notifications:
        transaction.on_commit(lambda: _dispatch(result.notifications))
    return result


def _settle(
    watch: OfficeWatch, view: View, status: OfficeStatus, bundle: Published, now: datetime
) -> list[Change]:
    """Advance one office's watch to ``view``; return the changes to tell now, if any."""
    before = (watch.notified, watch.pending, watch.pending_since)
    changes: list[Change] = []
    if watch.notified is None:  # first sight of the office: nothing to compare with
        watch.notified, watch.pending, watch.pending_since = view, None, None
    elif view == watch.notified:
        watch.pending, watch.pending_since = None, None
    elif view != watch.pending:
        watch.pending, watch.pending_since = view, now
    elif watch.pending_since is not None and now - watch.pending_since >= settle_window():
        changes = diff(watch.notified, view, status, bundle)
        watch.notified, watch.pending, watch.pending_since = view, None, None
    if (watch.notified, watch.pending, watch.pending_since) != before or watch._state.adding:
        watch.save()
    return changes


def _observe_again() -> None:
    from .tasks import schedule_observation

    schedule_observation(settings.NOTIFY_SETTLE_SECONDS)


def _dispatch(ids: list[int]) -> None:
    from .tasks import dispatch

    dispatch(ids)


# --- The outbox -------------------------------------------------------------------------------


def enqueue(office: Office, changes: list[Change], bundle: Published, now: datetime) -> list[int]:
    """Write the outbox rows for ``changes`` at ``office``; return their ids."""
    from . import mail

    rows: list[Notification] = []
    stage_services = _stage_services()
    rendered: dict[tuple[str, tuple[str, ...]], dict[str, str] | None] = {}
    for subscriber in _subscribers(office):
        chosen = tuple(sorted(s.code for s in subscriber.services.all()))
        relevant = [c for c in changes if _cares(chosen, c, stage_services)]
        if not relevant:
            continue
        key = (subscriber.language, chosen)
        if key not in rendered:
            rendered[key] = mail.render_change_mail(office, relevant, chosen, bundle, key[0])
        if rendered[key] is not None:
            rows.append(_row(Channel.MAIL, office, now, rendered[key], subscriber=subscriber))
    for webhook in _webhooks(office):
        for change in changes:
            rows.append(_row(Channel.WEBHOOK, office, now, {}, webhook=webhook, change=change))
    created = Notification.objects.bulk_create(rows)
    if any(r.pk is None for r in created):  # backends without RETURNING
        ids = [r.message_id for r in rows]
        return list(Notification.objects.filter(message_id__in=ids).values_list("pk", flat=True))
    return [r.pk for r in created]


def _row(
    channel: str,
    office: Office,
    now: datetime,
    payload: dict[str, Any] | None,
    *,
    subscriber: Subscriber | None = None,
    webhook: Webhook | None = None,
    change: Change | None = None,
) -> Notification:
    message_id = "msg_" + uuid.uuid4().hex
    if change is not None:
        payload = webhook_payload(office, change, now, message_id)
    return Notification(
        channel=channel,
        office=office,
        subscriber=subscriber,
        webhook=webhook,
        message_id=message_id,
        payload=payload or {},
        created_at=now,
        next_attempt_at=now,
    )


def webhook_payload(office: Office, change: Change, now: datetime, message_id: str) -> dict:
    """The JSON body of one delivery (documented in the OpenAPI ``webhooks`` section)."""
    return {
        "type": "status.changed",
        "timestamp": now.isoformat(),
        "data": {
            "office": office.code,
            "office_name": office.name,
            **change,
            "url": settings.SITE_URL + f"/kantor/{office.code}/",
        },
    }


def _subscribers(office: Office):
    return Subscriber.objects.active().filter(office=office).prefetch_related("services")


def _webhooks(office: Office):
    return (
        Webhook.objects.filter(paused_at__isnull=True)
        .filter(Q(offices=office) | Q(offices__isnull=True))
        .distinct()
    )


def _stage_services() -> dict[str, set[str]]:
    """Each stage's services (by code)."""
    found: dict[str, set[str]] = defaultdict(set)
    for stage, service in ServiceStage.objects.values_list("stage__code", "service__code"):
        found[stage].add(service)
    return found


def _cares(chosen: tuple[str, ...], change: Change, stage_services: dict[str, set[str]]) -> bool:
    """Whether a subscriber narrowed to ``chosen`` services (none: all) cares about ``change``."""
    if not chosen or change["kind"] in (ChangeKind.OFFICE, ChangeKind.ADVISORY):
        return True
    if change["kind"] == ChangeKind.SERVICE:
        return change["code"] in chosen
    return not stage_services[change["code"]].isdisjoint(chosen)
