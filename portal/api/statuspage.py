"""REST API v2: read-only and shaped like Atlassian Statuspage's public API, so that
existing Statuspage clients (dashboards, monitoring, chat bots) read the portal unchanged.

Offices are component groups and their stages components (statuspage_components.py);
advisories are incidents and office closures scheduled maintenances
(statuspage_incidents.py). summary.json, status.json and components.json are built once
per published snapshot and language; unknown query parameters are ignored, as Statuspage
does.
"""

from __future__ import annotations

from functools import partial

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.views import APIView

from services.snapshot import Published, published

from ..prepared import rows
from . import statuspage_serializers as shapes
from .params import request_language
from .statuspage_components import (
    INDICATORS,
    components_of,
    page_document,
    page_url,
    stage_components_by_office,
    status_indicator,
)
from .statuspage_incidents import (
    LIST_LIMIT,
    closure_modified,
    closures,
    incident_document,
    maintenance_document,
    recent_incidents,
    unresolved_incidents,
)
from .views import LANG, PublicReadMixin, advisory_modified, respond_document, snapshot_read

__all__ = ["INDICATORS"]  # named by SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES


def v2_schema(operation_id: str, summary: str, response):
    """Document a Statuspage view's GET."""
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id, summary=summary, parameters=[LANG], responses={200: response}
        )
    )


class CachedStatuspageView(PublicReadMixin, APIView):
    """A document built once per published snapshot and language."""

    name = ""

    def get(self, request: Request) -> HttpResponse:
        build = partial(self.build, url=page_url())
        return snapshot_read(request, ("v2", self.name), build, strict=False)

    def build(self, bundle: Published, url: str) -> dict:
        raise NotImplementedError


@v2_schema("v2_summary", "Statuspage summary: everything at once", shapes.SummaryDocument)
class SummaryView(CachedStatuspageView):
    """Page, components, unresolved incidents, upcoming and active maintenances, status."""

    name = "summary"

    def build(self, bundle: Published, url: str) -> dict:
        now = timezone.now()
        components = components_of(bundle)
        by_office = stage_components_by_office(components)
        # Read once per snapshot for every language (and for status.json, built from this).
        unresolved = rows(bundle, "unresolved", lambda: list(unresolved_incidents(now)))
        incidents = [incident_document(a, by_office) for a in unresolved]
        windows = rows(
            bundle, "windows", lambda: [*closures(now, "active"), *closures(now, "upcoming")]
        )
        maintenances = [maintenance_document(c, by_office, now, url) for c in windows]
        return {
            "page": page_document(bundle, url),
            "components": components,
            "incidents": incidents,
            "scheduled_maintenances": maintenances,
            "status": status_indicator(components, incidents),
        }


@v2_schema("v2_status", "Statuspage status indicator", shapes.StatusDocument)
class StatusIndicatorView(CachedStatuspageView):
    """Page and its status indicator."""

    name = "status"

    def build(self, bundle: Published, url: str) -> dict:
        summary = SummaryView().build(bundle, url)
        return {"page": summary["page"], "status": summary["status"]}


@v2_schema("v2_components", "Statuspage components", shapes.ComponentsDocument)
class ComponentsView(CachedStatuspageView):
    """Page and every component: offices as groups, their stages as components."""

    name = "components"

    def build(self, bundle: Published, url: str) -> dict:
        return {"page": page_document(bundle, url), "components": components_of(bundle)}


@v2_schema("v2_incidents", "Statuspage incidents: the 50 latest", shapes.IncidentsDocument)
class IncidentListView(PublicReadMixin, APIView):
    """The 50 most recent incidents (advisories), newest first."""

    unresolved = False

    def get(self, request: Request) -> HttpResponse:
        lang, now, bundle = request_language(request), timezone.now(), published()
        rows = unresolved_incidents(now) if self.unresolved else recent_incidents(now)[:LIST_LIMIT]
        rows = list(rows)
        by_office = stage_components_by_office(components_of(bundle))
        incidents = [incident_document(a, by_office) for a in rows]
        document = {"page": page_document(bundle, page_url()), "incidents": incidents}
        modified = max((advisory_modified(a) for a in rows), default=None)
        return respond_document(request, document, modified, lang)


@v2_schema("v2_incidents_unresolved", "Statuspage unresolved incidents", shapes.IncidentsDocument)
class UnresolvedIncidentListView(IncidentListView):
    """Incidents (advisories) not yet resolved."""

    unresolved = True


@v2_schema(
    "v2_scheduled_maintenances",
    "Statuspage scheduled maintenances: the 50 latest",
    shapes.MaintenancesDocument,
)
class MaintenanceListView(PublicReadMixin, APIView):
    """The 50 most recent scheduled maintenances (office closures)."""

    which = "all"

    def get(self, request: Request) -> HttpResponse:
        lang, now, bundle = request_language(request), timezone.now(), published()
        rows = list(closures(now, self.which)[:LIST_LIMIT])
        url = page_url()
        by_office = stage_components_by_office(components_of(bundle))
        maintenances = [maintenance_document(c, by_office, now, url) for c in rows]
        document = {"page": page_document(bundle, url), "scheduled_maintenances": maintenances}
        modified = max((closure_modified(c, now) for c in rows), default=None)
        return respond_document(request, document, modified, lang)


@v2_schema(
    "v2_scheduled_maintenances_upcoming",
    "Statuspage upcoming maintenances",
    shapes.MaintenancesDocument,
)
class UpcomingMaintenanceListView(MaintenanceListView):
    """Scheduled maintenances (office closures) that have not started."""

    which = "upcoming"


@v2_schema(
    "v2_scheduled_maintenances_active",
    "Statuspage maintenances in force",
    shapes.MaintenancesDocument,
)
class ActiveMaintenanceListView(MaintenanceListView):
    """Scheduled maintenances (office closures) in force now."""

    which = "active"
