"""REST API v2: read-only and shaped like Atlassian Statuspage's public API, so that
existing Statuspage clients (dashboards, monitoring, chat bots) read the portal unchanged.

Mapping:

- each office is a component *group*, each of its stages a component
  (id ``<office>.<stage>``);
- stage ``open`` → ``operational``, ``closed`` → ``major_outage``,
  ``unknown`` → ``degraded_performance``; a group is the one status of its stages when they
  agree, else ``partial_outage`` if any is ``major_outage``, else ``degraded_performance``;
- the page indicator is the worse of the components' (all ``major_outage`` → ``critical``,
  some → ``major``, only ``degraded_performance`` → ``minor``) and of the unresolved
  incidents' impact;
- advisories are incidents (phase → status, severity ``info`` → impact ``none``), their
  updates are incident updates;
- office closures are scheduled maintenances (``scheduled`` before they start,
  ``in_progress`` while in force, ``completed`` after).

Stages carry no creation date, so a component's ``created_at`` is its ``updated_at`` (when
its state last changed). summary.json, status.json and components.json are built once per
published snapshot; unknown query parameters are ignored, as Statuspage does.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from offices.models import OfficeClosure
from services.choices import StageState
from services.snapshot import Published, published

from ..choices import AdvisoryPhase, AdvisorySeverity
from ..models import Advisory
from ..prepared import remember, respond
from ..status import document_entry, iso, localized, stage_reason
from .params import request_language
from .views import LANG, PublicReadMixin, advisory_modified, respond_document

PAGE_ID = "layanan-imigrasi"
PAGE_NAME = "Status Layanan Imigrasi"
LIST_LIMIT = 50

OPERATIONAL = "operational"
DEGRADED = "degraded_performance"
PARTIAL = "partial_outage"
MAJOR = "major_outage"
COMPONENT_STATUSES = [OPERATIONAL, DEGRADED, PARTIAL, MAJOR, "under_maintenance"]
COMPONENT_STATUS = {
    StageState.OPEN: OPERATIONAL,
    StageState.CLOSED: MAJOR,
    StageState.UNKNOWN: DEGRADED,
}

INDICATORS = ["none", "minor", "major", "critical"]
IMPACT = {
    AdvisorySeverity.INFO: "none",
    AdvisorySeverity.MINOR: "minor",
    AdvisorySeverity.MAJOR: "major",
    AdvisorySeverity.CRITICAL: "critical",
}
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]


# --- Documents ----------------------------------------------------------------------------


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
    components = []
    for position, office in enumerate(bundle.snapshot.offices, start=1):
        stages = [
            _stage_component(office.code, n, s, bundle) for n, s in enumerate(office.stages, 1)
        ]
        components.append(_group_component(office.code, position, stages, bundle))
        components.extend(stages)
    return components


def _component(cid: str, name: str, status: str, at: str | None, position: int) -> dict:
    return {
        "id": cid,
        "name": name,
        "status": status,
        "created_at": at,
        "updated_at": at,
        "position": position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _stage_component(office: str, position: int, stage, bundle: Published) -> dict:
    since = bundle.since.get((office, "stage", stage.code)) or bundle.snapshot.generated_at
    name = localized(bundle.stage_names[stage.code])
    component = _component(
        f"{office}.{stage.code}", name, COMPONENT_STATUS[stage.state], iso(since), position
    )
    component["group_id"] = office
    component["description"] = stage_reason(stage, bundle) or None
    return component


def _group_component(office: str, position: int, stages: list[dict], bundle: Published) -> dict:
    info = bundle.offices[office]
    updated = max((c["updated_at"] for c in stages), default=iso(bundle.snapshot.generated_at))
    group = _component(
        office, info.name, group_status([c["status"] for c in stages]), updated, position
    )
    group.update(group=True, description=info.address or None, components=[c["id"] for c in stages])
    return group


def group_status(statuses: list[str]) -> str:
    """One status for a group of components."""
    unique = set(statuses)
    if len(unique) <= 1:
        return unique.pop() if unique else OPERATIONAL
    if MAJOR in unique or PARTIAL in unique:
        return PARTIAL
    return DEGRADED


def status_indicator(components: list[dict], incidents: list[dict]) -> dict:
    """The page's indicator: the worse of the components' and the open incidents'."""
    stages = [c["status"] for c in components if not c["group"]]
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
    }


def _pick(indonesian: str, english: str) -> str:
    return english if translation.get_language() == "en" and english else indonesian


def incident_document(advisory: Advisory, components: dict[str, list[dict]], url: str) -> dict:
    """An advisory as a Statuspage incident."""
    iid = str(advisory.pk)
    updates = [
        _update(f"u{u.pk}", iid, u.phase, _pick(u.body_id, u.body_en), u.at)
        for u in advisory.updates.all()
    ]
    first_phase = updates[-1]["status"] if updates else advisory.phase
    body = _pick(advisory.body_id, advisory.body_en) or _pick(advisory.title_id, advisory.title_en)
    updates.append(_update(f"a{advisory.pk}", iid, first_phase, body, advisory.published_at))
    return {
        "id": iid,
        "name": _pick(advisory.title_id, advisory.title_en),
        "status": advisory.phase,
        "created_at": iso(advisory.published_at),
        "updated_at": iso(advisory_modified(advisory)),
        "monitoring_at": _phase_at(updates, AdvisoryPhase.MONITORING),
        "resolved_at": _resolved_at(advisory, updates),
        "impact": IMPACT.get(advisory.severity, "none"),
        "shortlink": url,
        "started_at": iso(advisory.published_at),
        "page_id": PAGE_ID,
        "incident_updates": updates,
        "components": [c for o in advisory.offices.all() for c in components.get(o.code, [])],
    }


def _phase_at(updates: list[dict], phase: str) -> str | None:
    times = [u["display_at"] for u in updates if u["status"] == phase]
    return min(times) if times else None


def _resolved_at(advisory: Advisory, updates: list[dict]) -> str | None:
    if advisory.phase != AdvisoryPhase.RESOLVED:
        return None
    return _phase_at(updates, AdvisoryPhase.RESOLVED) or iso(advisory.updated_at)


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
    ended = closure.cleared_at or closure.ends_at
    updates = [_update(f"{mid}-scheduled", mid, "scheduled", closure.reason, closure.created_at)]
    if closure.starts_at <= now and (
        closure.cleared_at is None or closure.cleared_at > closure.starts_at
    ):
        updates.insert(
            0, _update(f"{mid}-in_progress", mid, "in_progress", closure.reason, closure.starts_at)
        )
    if status == "completed":
        body = _("%(office)s is open again.") % {"office": closure.office.name}
        updates.insert(0, _update(f"{mid}-completed", mid, "completed", body, ended))
    return {
        "id": mid,
        "name": _("%(office)s closed") % {"office": closure.office.name},
        "status": status,
        "created_at": iso(closure.created_at),
        "updated_at": updates[0]["updated_at"],
        "monitoring_at": None,
        "resolved_at": iso(ended) if status == "completed" else None,
        "impact": "maintenance",
        "shortlink": url,
        "started_at": iso(closure.starts_at),
        "page_id": PAGE_ID,
        "incident_updates": updates,
        "components": components.get(closure.office.code, []),
        "scheduled_for": iso(closure.starts_at),
        "scheduled_until": iso(closure.ends_at),
    }


def stage_components_by_office(components: list[dict]) -> dict[str, list[dict]]:
    by_office: dict[str, list[dict]] = {}
    for component in components:
        if not component["group"]:
            by_office.setdefault(component["group_id"], []).append(component)
    return by_office


# --- Queries ------------------------------------------------------------------------------


def recent_incidents(now: datetime):
    return (
        Advisory.objects.filter(published_at__isnull=False, published_at__lte=now)
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


# --- Serializers (documentation of the shapes) -----------------------------------------------


class PageSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    time_zone = serializers.CharField()
    updated_at = serializers.DateTimeField()


class IndicatorSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(INDICATORS)
    description = serializers.CharField()


class ComponentSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Office code for a group, `<office>.<stage>` otherwise.")
    name = serializers.CharField()
    status = serializers.ChoiceField(COMPONENT_STATUSES)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    position = serializers.IntegerField()
    description = serializers.CharField(allow_null=True)
    showcase = serializers.BooleanField()
    start_date = serializers.DateField(allow_null=True)
    group_id = serializers.CharField(allow_null=True)
    page_id = serializers.CharField()
    group = serializers.BooleanField()
    only_show_if_degraded = serializers.BooleanField()
    components = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Groups only: their components."
    )


class AffectedComponentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    old_status = serializers.CharField()
    new_status = serializers.CharField()


class IncidentUpdateSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    body = serializers.CharField()
    incident_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    display_at = serializers.DateTimeField()
    affected_components = AffectedComponentSerializer(many=True, allow_null=True)
    deliver_notifications = serializers.BooleanField()
    custom_tweet = serializers.CharField(allow_null=True)
    tweet_id = serializers.CharField(allow_null=True)


class IncidentSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(AdvisoryPhase.values + ["postmortem"])
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    monitoring_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    impact = serializers.ChoiceField(INDICATORS)
    shortlink = serializers.URLField()
    started_at = serializers.DateTimeField()
    page_id = serializers.CharField()
    incident_updates = IncidentUpdateSerializer(many=True)
    components = ComponentSerializer(many=True)


class MaintenanceSerializer(IncidentSerializer):
    status = serializers.ChoiceField(MAINTENANCE_STATUSES)
    impact = serializers.ChoiceField(INDICATORS + ["maintenance"])
    scheduled_for = serializers.DateTimeField()
    scheduled_until = serializers.DateTimeField(allow_null=True)


def envelope(name: str, **fields) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {"page": PageSerializer(), **fields})


StatusDocument = envelope("StatuspageStatus", status=IndicatorSerializer())
ComponentsDocument = envelope("StatuspageComponents", components=ComponentSerializer(many=True))
IncidentsDocument = envelope("StatuspageIncidents", incidents=IncidentSerializer(many=True))
MaintenancesDocument = envelope(
    "StatuspageScheduledMaintenances", scheduled_maintenances=MaintenanceSerializer(many=True)
)
SummaryDocument = envelope(
    "StatuspageSummary",
    components=ComponentSerializer(many=True),
    incidents=IncidentSerializer(many=True),
    scheduled_maintenances=MaintenanceSerializer(many=True),
    status=IndicatorSerializer(),
)


# --- Views --------------------------------------------------------------------------------


class StatuspageView(PublicReadMixin, APIView):
    """One Statuspage-shaped document."""

    def page_url(self, request: Request) -> str:
        return f"{settings.SITE_URL}/"  # never the request's Host, which may carry any port

    def link(self, request: Request, name: str, *args) -> str:
        """An absolute link to a page of the portal, or to the portal when it has none."""
        try:
            return settings.SITE_URL + reverse(name, args=args)
        except NoReverseMatch:
            return self.page_url(request)


class CachedStatuspageView(StatuspageView):
    """A document built once per published snapshot and language."""

    name = ""

    def get(self, request: Request) -> HttpResponse:
        url = self.page_url(request)
        bundle = published()
        build = lambda bundle: self.build(request, bundle, url)  # noqa: E731
        entry = document_entry(bundle, ("v2", self.name), request_language(request), build)
        remember(request, "api", bundle, entry)
        return respond(request, entry)

    def build(self, request: Request, bundle: Published, url: str) -> dict:
        raise NotImplementedError


class SummaryView(CachedStatuspageView):
    """Page, components, unresolved incidents, upcoming and active maintenances, status."""

    name = "summary"

    @extend_schema(parameters=[LANG], responses={200: SummaryDocument}, operation_id="v2_summary")
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)

    def build(self, request: Request, bundle: Published, url: str) -> dict:
        now = timezone.now()
        components = components_of(bundle)
        by_office = stage_components_by_office(components)
        incidents = [
            incident_document(a, by_office, self.link(request, "advisory", a.pk))
            for a in unresolved_incidents(now)
        ]
        windows = [*closures(now, "active"), *closures(now, "upcoming")]
        maintenances = [maintenance_document(c, by_office, now, url) for c in windows]
        return {
            "page": page_document(bundle, url),
            "components": components,
            "incidents": incidents,
            "scheduled_maintenances": maintenances,
            "status": status_indicator(components, incidents),
        }


class StatusIndicatorView(CachedStatuspageView):
    """Page and its status indicator."""

    name = "status"

    @extend_schema(parameters=[LANG], responses={200: StatusDocument}, operation_id="v2_status")
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)

    def build(self, request: Request, bundle: Published, url: str) -> dict:
        summary = SummaryView().build(request, bundle, url)
        return {"page": summary["page"], "status": summary["status"]}


class ComponentsView(CachedStatuspageView):
    """Page and every component: offices as groups, their stages as components."""

    name = "components"

    @extend_schema(
        parameters=[LANG], responses={200: ComponentsDocument}, operation_id="v2_components"
    )
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)

    def build(self, request: Request, bundle: Published, url: str) -> dict:
        return {"page": page_document(bundle, url), "components": components_of(bundle)}


class IncidentListView(StatuspageView):
    """The 50 most recent incidents (advisories), newest first."""

    unresolved = False

    @extend_schema(parameters=[LANG], responses={200: IncidentsDocument})
    def get(self, request: Request) -> HttpResponse:
        lang, now, bundle = request_language(request), timezone.now(), published()
        rows = unresolved_incidents(now) if self.unresolved else recent_incidents(now)[:LIST_LIMIT]
        rows = list(rows)
        with translation.override(lang):
            by_office = stage_components_by_office(components_of(bundle))
            incidents = [
                incident_document(a, by_office, self.link(request, "advisory", a.pk)) for a in rows
            ]
        document = {"page": page_document(bundle, self.page_url(request)), "incidents": incidents}
        modified = max((advisory_modified(a) for a in rows), default=None)
        return respond_document(request, document, modified, lang)


class UnresolvedIncidentListView(IncidentListView):
    """Incidents (advisories) not yet resolved."""

    unresolved = True


class MaintenanceListView(StatuspageView):
    """The 50 most recent scheduled maintenances (office closures)."""

    which = "all"

    @extend_schema(parameters=[LANG], responses={200: MaintenancesDocument})
    def get(self, request: Request) -> HttpResponse:
        lang, now, bundle = request_language(request), timezone.now(), published()
        rows = list(closures(now, self.which)[:LIST_LIMIT])
        url = self.page_url(request)
        with translation.override(lang):
            by_office = stage_components_by_office(components_of(bundle))
            maintenances = [maintenance_document(c, by_office, now, url) for c in rows]
        document = {"page": page_document(bundle, url), "scheduled_maintenances": maintenances}
        modified = max((closure_modified(c, now) for c in rows), default=None)
        return respond_document(request, document, modified, lang)


def closure_modified(closure: OfficeClosure, now: datetime) -> datetime:
    """The last time the closure changed: edited, started or ended."""
    moments = (closure.created_at, closure.cleared_at, closure.starts_at, closure.ends_at)
    return max(t for t in moments if t is not None and t <= now)


class UpcomingMaintenanceListView(MaintenanceListView):
    """Scheduled maintenances (office closures) that have not started."""

    which = "upcoming"


class ActiveMaintenanceListView(MaintenanceListView):
    """Scheduled maintenances (office closures) in force now."""

    which = "active"
