"""Statuspage v2 incidents (advisories) and scheduled maintenances (office closures).

- an advisory is an incident: phase → status, severity ``info`` → impact ``none``; its
  timeline entries are incident updates, after the advisory's own text as it was published;
- an office closure is a scheduled maintenance: ``scheduled`` before it starts,
  ``in_progress`` while in force, ``completed`` after (or when ended early).

Updates are newest first, as Statuspage lists them; no moment precedes the incident's
``created_at``/``started_at``, and ``resolved_at`` is when it was resolved.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import OfficeClosure

from ..choices import AdvisoryPhase, AdvisorySeverity
from ..models import Advisory
from ..status import iso, localized
from .statuspage_components import PAGE_ID
from .views import advisory_modified

LIST_LIMIT = 50
IMPACT = {
    AdvisorySeverity.INFO: "none",
    AdvisorySeverity.MINOR: "minor",
    AdvisorySeverity.MAJOR: "major",
    AdvisorySeverity.CRITICAL: "critical",
}
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]


def _update(uid: str, parent: str, status: str, body: str, at: datetime) -> dict:
    return {
        "id": uid,
        "status": status,
        "body": body,
        "incident_id": parent,
        "created_at": iso(at),
        "updated_at": iso(at),
        "display_at": iso(at),
        "affected_components": None,
        "deliver_notifications": False,
        "custom_tweet": None,
        "tweet_id": None,
        "_at": at,  # for ordering; removed before the document is returned
    }


def _newest_first(updates: list[dict]) -> list[dict]:
    ordered = sorted(updates, key=lambda u: u["_at"], reverse=True)
    for update in ordered:
        del update["_at"]
    return ordered


def incident_document(advisory: Advisory, components: dict[str, list[dict]]) -> dict:
    """An advisory as a Statuspage incident."""
    iid = str(advisory.pk)
    published = advisory.published_at
    timeline = sorted(advisory.updates.all(), key=lambda u: u.at)
    before = [u for u in timeline if u.at <= published]
    # The phase the advisory was in when published; Statuspage's first status otherwise.
    first_phase = (before or timeline)[-1 if before else 0].phase if timeline else None
    if first_phase is None:
        first_phase = (
            advisory.phase if advisory.phase != AdvisoryPhase.RESOLVED else "investigating"
        )
    name = localized((advisory.title_id, advisory.title_en))
    body = localized((advisory.body_id, advisory.body_en)) or name
    updates = [
        _update(f"u{u.pk}", iid, u.phase, localized((u.body_id, u.body_en)), u.at) for u in timeline
    ]
    updates.append(_update(f"a{advisory.pk}", iid, first_phase, body, published))
    started = min(u["_at"] for u in updates)
    modified = max(advisory_modified(advisory), published)
    resolved = _resolved_at(advisory, timeline, modified)
    status = advisory.phase
    if resolved is None and (ended := advisory.ended_at(timezone.now())) is not None:
        # Its publication is over, as its page says: resolved when it ended.
        status, resolved = AdvisoryPhase.RESOLVED, max(ended, started)
    monitoring = [u.at for u in timeline if u.phase == AdvisoryPhase.MONITORING]
    return {
        "id": iid,
        "name": name,
        "status": status,
        "created_at": iso(started),
        "updated_at": iso(modified),
        "monitoring_at": iso(min(monitoring)) if monitoring else None,
        "resolved_at": iso(resolved),
        "impact": IMPACT.get(advisory.severity, "none"),
        "shortlink": shortlink(advisory),
        "started_at": iso(started),
        "page_id": PAGE_ID,
        "incident_updates": _newest_first(updates),
        "components": [c for o in advisory.offices.all() for c in components.get(o.code, [])],
    }


def shortlink(advisory: Advisory) -> str:
    """The advisory's page (the pages and the API share one URLconf)."""
    return settings.SITE_URL + reverse("advisory", args=[advisory.pk])


def _resolved_at(advisory: Advisory, timeline: list, modified: datetime) -> datetime | None:
    """When the advisory was (last) resolved: its last "resolved" update, else its last save."""
    if advisory.phase != AdvisoryPhase.RESOLVED:
        return None
    resolutions = [u.at for u in timeline if u.phase == AdvisoryPhase.RESOLVED]
    return max(resolutions) if resolutions else modified


def maintenance_status(closure: OfficeClosure, now: datetime) -> str:
    if closure.cleared_at is not None or (closure.ends_at is not None and closure.ends_at <= now):
        return "completed"
    return "scheduled" if closure.starts_at > now else "in_progress"


def maintenance_document(
    closure: OfficeClosure, components: dict[str, list[dict]], now: datetime, url: str
) -> dict:
    """An office closure as a Statuspage scheduled maintenance."""
    mid = f"c{closure.pk}"
    status = maintenance_status(closure, now)
    created = closure.created_at
    ended = closure.cleared_at or closure.ends_at
    updates = []
    if created < closure.starts_at:  # announced ahead
        updates.append(_update(f"{mid}-scheduled", mid, "scheduled", closure.reason, created))
    if closure.starts_at <= now and (
        closure.cleared_at is None or closure.cleared_at > closure.starts_at
    ):
        started = max(closure.starts_at, created)
        updates.append(_update(f"{mid}-in_progress", mid, "in_progress", closure.reason, started))
    if status == "completed":
        body = _("%(office)s is open again.") % {"office": closure.office.name}
        updates.append(_update(f"{mid}-completed", mid, "completed", body, max(ended, created)))
    updates = _newest_first(updates)
    return {
        "id": mid,
        "name": _("%(office)s closed") % {"office": closure.office.name},
        "status": status,
        "created_at": iso(created),
        "updated_at": updates[0]["updated_at"] if updates else iso(created),
        "monitoring_at": None,
        "resolved_at": iso(max(ended, created)) if status == "completed" else None,
        "impact": "maintenance",
        "shortlink": url,
        "started_at": iso(closure.starts_at),
        "page_id": PAGE_ID,
        "incident_updates": updates,
        "components": components.get(closure.office.code, []),
        "scheduled_for": iso(closure.starts_at),
        "scheduled_until": iso(closure.ends_at),
    }


def closure_modified(closure: OfficeClosure, now: datetime) -> datetime:
    """The last time the closure changed: edited, started or ended."""
    moments = (closure.created_at, closure.cleared_at, closure.starts_at, closure.ends_at)
    return max(t for t in moments if t is not None and t <= now)


def recent_incidents(now: datetime):
    return (
        Advisory.objects.ever_published(now)
        .prefetch_related("offices", "updates")
        .order_by("-published_at", "-id")
    )


def unresolved_incidents(now: datetime):
    return (
        recent_incidents(now)
        .exclude(phase=AdvisoryPhase.RESOLVED)
        .filter(Q(published_until__isnull=True) | Q(published_until__gt=now))
    )


def closures(now: datetime, which: str):
    rows = OfficeClosure.objects.select_related("office")
    if which == "upcoming":
        return rows.relevant(now).filter(starts_at__gt=now).order_by("starts_at", "pk")
    if which == "active":
        return rows.active(now).order_by("starts_at", "pk")
    return rows.order_by("-starts_at", "-pk")
