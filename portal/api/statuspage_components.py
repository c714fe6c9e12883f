"""Statuspage v2 components: each office a component group, each of its stages a component.

A component's name says its office too ("Wawancara — Kantor Imigrasi … Palembang"), since
clients key components by name. Its ``created_at`` is when the stage was first listed at the
office (its first status event), which never changes; ``updated_at`` is its last change.
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from services.choices import Cause, StageState
from services.models import StatusEvent
from services.snapshot import Published

from ..status import iso, localized, stage_reason

PAGE_ID = "layanan-imigrasi"
PAGE_NAME = "Status Layanan Imigrasi"

OPERATIONAL = "operational"
DEGRADED = "degraded_performance"
PARTIAL = "partial_outage"
MAJOR = "major_outage"
MAINTENANCE = "under_maintenance"
COMPONENT_STATUSES = [OPERATIONAL, DEGRADED, PARTIAL, MAJOR, MAINTENANCE]
COMPONENT_STATUS = {
    StageState.OPEN: OPERATIONAL,
    StageState.CLOSED: MAJOR,
    StageState.UNKNOWN: DEGRADED,
}
INDICATORS = ["none", "minor", "major", "critical"]


def page_url() -> str:
    return f"{settings.SITE_URL}/"  # never the request's Host, which may carry any port


def page_document(bundle: Published, url: str) -> dict:
    return {
        "id": PAGE_ID,
        "name": PAGE_NAME,
        "url": url,
        "time_zone": timezone.get_default_timezone_name(),
        "updated_at": iso(bundle.snapshot.generated_at),
    }


def components_of(bundle: Published) -> list[dict]:
    """Every office as a group followed by its stages, in display order."""
    created = first_listed(bundle)
    components = []
    for position, office in enumerate(bundle.snapshot.offices, start=1):
        stages = [
            _stage_component(office.code, n, s, bundle, created)
            for n, s in enumerate(office.stages, 1)
        ]
        components.append(_group_component(office.code, position, stages, bundle))
        components.extend(stages)
    return components


# Read once per published snapshot in each process (the incident and maintenance lists,
# built per request, embed the components too); the first event of a stage never changes.
_first_listed: dict[str, dict[tuple[str, str], datetime]] = {}
_first_listed_lock = threading.Lock()


def first_listed(bundle: Published) -> dict[tuple[str, str], datetime]:
    """(office, stage) → when the stage was first listed at the office."""
    with _first_listed_lock:
        found = _first_listed.get(bundle.token)
    if found is None:
        rows = (
            StatusEvent.objects.filter(office__isnull=False, stage__isnull=False)
            .values_list("office__code", "stage__code")
            .annotate(first=Min("at"))
            .order_by()
        )
        found = {(office, stage): at for office, stage, at in rows}
        with _first_listed_lock:
            _first_listed.clear()
            _first_listed[bundle.token] = found
    return found


def _component(cid: str, name: str, status: str, created: str | None, position: int) -> dict:
    return {
        "id": cid,
        "name": name,
        "status": status,
        "created_at": created,
        "updated_at": created,
        "position": position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def component_status(stage) -> str:
    """The Statuspage status of one stage."""
    if stage.state == StageState.CLOSED and stage.cause == Cause.CLOSURE:
        return MAINTENANCE
    return COMPONENT_STATUS[stage.state]


def _stage_component(office: str, position: int, stage, bundle: Published, created: dict) -> dict:
    since = bundle.since.get((office, "stage", stage.code)) or bundle.snapshot.generated_at
    first = created.get((office, stage.code), since)
    name = _("%(stage)s — %(office)s") % {
        "stage": localized(bundle.stage_names[stage.code]),
        "office": bundle.offices[office].name,
    }
    component = _component(
        f"{office}.{stage.code}", name, component_status(stage), iso(min(first, since)), position
    )
    component["updated_at"] = iso(since)
    component["group_id"] = office
    component["description"] = stage_reason(stage, bundle) or None
    return component


def _group_component(office: str, position: int, stages: list[dict], bundle: Published) -> dict:
    info = bundle.offices[office]
    updated = max((c["updated_at"] for c in stages), default=iso(bundle.snapshot.generated_at))
    created = min((c["created_at"] for c in stages), default=updated)
    group = _component(
        office, info.name, group_status([c["status"] for c in stages]), created, position
    )
    group.update(
        updated_at=updated,
        group=True,
        description=info.address or None,
        components=[c["id"] for c in stages],
    )
    return group


def group_status(statuses: list[str]) -> str:
    """One status for a group of components."""
    unique = set(statuses)
    if len(unique) <= 1:
        return unique.pop() if unique else OPERATIONAL
    if unique & {MAJOR, PARTIAL, MAINTENANCE}:
        return PARTIAL
    return DEGRADED


def status_indicator(components: list[dict], incidents: list[dict]) -> dict:
    """The page's indicator, described in the active language: the worse of the
    components' and the open incidents'."""
    # A stage closed for an office closure is as closed for a visitor as one in an outage.
    stages = [MAJOR if c["status"] == MAINTENANCE else c["status"] for c in components]
    stages = [s for s, c in zip(stages, components, strict=True) if not c["group"]]
    if not stages or all(s == OPERATIONAL for s in stages):
        level = "none"
    elif all(s == MAJOR for s in stages):
        level = "critical"
    elif MAJOR in stages or PARTIAL in stages:
        level = "major"
    else:
        level = "minor"
    for incident in incidents:
        level = max(level, incident["impact"], key=INDICATORS.index)
    descriptions = {
        "none": _("All Systems Operational"),
        "minor": _("Partially Degraded Service"),
        "major": _("Partial System Outage"),
        "critical": _("Major Service Outage"),
    }
    return {"indicator": level, "description": descriptions[level]}


def stage_components_by_office(components: list[dict]) -> dict[str, list[dict]]:
    by_office: dict[str, list[dict]] = {}
    for component in components:
        if not component["group"]:
            by_office.setdefault(component["group_id"], []).append(component)
    return by_office
