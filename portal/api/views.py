"""REST API v1, public reads: status, offices, systems and their observations, events,
advisories.

Office, stage, service and system state comes from the published snapshot and is served as
bytes built once per snapshot and language; events, observations and advisories are read
from the database. Every read is conditional (ETag, Last-Modified) and publicly cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.views import APIView

from offices.models import Office
from services.choices import Cause
from services.models import Service, Stage, StatusEvent, UpstreamSystem
from services.snapshot import Published, published

from ..choices import AdvisoryPhase
from ..models import Advisory
from ..prepared import (
    CORS_HEADERS,
    LANGS,
    VARY,
    Prepared,
    content_version,
    json_bytes,
    preflight,
    remember,
    respond,
)
from ..status import (
    document_entry,
    iso,
    localized,
    office_document,
    snapshot_envelope,
    status_entry,
    system_document,
)
from . import serializers as s
from .auth import AnonReadThrottle
from .errors import NotFound
from .params import (
    NewestFirstCursorPagination,
    activate_language,
    by_code,
    check_parameters,
    choice,
    request_language,
    time_window,
)

RECENT_ADVISORY_DAYS = 30

LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=list(LANGS),
    description="Language of names and reasons (default: Accept-Language, else id). "
    "Codes and states are never translated.",
)
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
MOMENT = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}
SINCE = OpenApiParameter(
    "since", MOMENT, description="RFC 3339 date or date-time (inclusive; a date is its start)."
)
UNTIL = OpenApiParameter("until", MOMENT, description="RFC 3339 date or date-time (exclusive).")
CURSOR = OpenApiParameter(
    "cursor",
    {"type": "string"},
    description="From `next`/`previous` (empty: the first page); "
    "one this API did not give out is a 422.",
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": NewestFirstCursorPagination.max_page_size},
    description="Default 50.",
)


def code_filter(name: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, s.CODE_SCHEMA, description=f"A {name} code; an unknown one is a 422."
    )


def respond_document(
    request: Request, document: object, last_modified: datetime | None, lang: str = ""
) -> HttpResponse:
    """Serve a document built for this request as a public, conditional read."""
    entry = Prepared.of(
        json_bytes(document),
        etag=f'W/"{content_version(document)}"',
        language=lang,
        vary=VARY["api"],
        last_modified=last_modified or published().snapshot.generated_at,
    )
    return respond(request, entry)


class PublicReadMixin:
    """Anyone may read, from any origin; anonymous reads are throttled (generously)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonReadThrottle]

    def initial(self, request, *args, **kwargs):
        activate_language(request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "OPTIONS":  # a browser's preflight for conditional GETs
            return preflight(response)
        if response.status_code in (200, 304):
            del response["Allow"]  # as the middleware's answer of the same bytes has none
        for name, value in CORS_HEADERS.items():  # errors too, so browsers can read them
            response[name] = value
        return response


class StatusView(PublicReadMixin, APIView):
    """The whole picture: systems, every office's stages and services, advisories."""

    @extend_schema(parameters=[LANG], responses={200: s.StatusDocumentSerializer})
    def get(self, request: Request) -> HttpResponse:
        check_parameters(request, {"lang"})
        bundle, entry = status_entry(request_language(request))
        remember(request, "api", bundle, entry)
        return respond(request, entry)


def find_or_404(items, code: str, message: str):
    """The item of ``items`` named ``code``, else a 404 saying ``message``."""
    found = next((item for item in items if item.code == code), None)
    if found is None:
        raise NotFound("code", message % {"code": repr(code[:60])})
    return found


def snapshot_read(
    request: Request, key: tuple, build: Callable[[Published], dict], strict: bool = True
) -> HttpResponse:
    """A document built from the snapshot, once per snapshot and language; an unknown query
    parameter is a 400 when ``strict`` (v2 ignores them, as Statuspage does)."""
    if strict:
        check_parameters(request, {"lang"})
    bundle = published()
    entry = document_entry(bundle, key, request_language(request), build)
    remember(request, "api", bundle, entry)
    return respond(request, entry)


class OfficeViewSet(PublicReadMixin, viewsets.ViewSet):
    """Offices with their stages and services, as last published."""

    lookup_field = "code"

    @extend_schema(parameters=[LANG], responses={200: s.OfficeListSerializer})
    def list(self, request: Request) -> HttpResponse:
        def build(bundle: Published) -> dict:
            offices = [office_document(o, bundle) for o in bundle.snapshot.offices]
            return snapshot_envelope(bundle, offices=offices)

        return snapshot_read(request, ("offices",), build)

    @extend_schema(parameters=[LANG, CODE], responses={200: s.OfficeDetailSerializer})
    def retrieve(self, request: Request, code: str) -> HttpResponse:
        def build(bundle: Published) -> dict:
            office = find_or_404(bundle.snapshot.offices, code, _("No office %(code)s."))
            return snapshot_envelope(bundle, office=office_document(office, bundle))

        return snapshot_read(request, ("office", code), build)


class SystemViewSet(PublicReadMixin, viewsets.ViewSet):
    """Upstream systems (PDN, cekal) and their recent health observations."""

    lookup_field = "code"

    @extend_schema(parameters=[LANG], responses={200: s.SystemListSerializer})
    def list(self, request: Request) -> HttpResponse:
        def build(bundle: Published) -> dict:
            systems = [system_document(x, bundle) for x in bundle.snapshot.systems]
            return snapshot_envelope(bundle, systems=systems)

        return snapshot_read(request, ("systems",), build)

    @extend_schema(parameters=[LANG, CODE], responses={200: s.SystemDetailSerializer})
    def retrieve(self, request: Request, code: str) -> HttpResponse:
        def build(bundle: Published) -> dict:
            system = find_or_404(bundle.snapshot.systems, code, _("No system %(code)s."))
            return snapshot_envelope(bundle, system=system_document(system, bundle))

        return snapshot_read(request, ("system", code), build)

    @extend_schema(
        parameters=[CODE, SINCE, UNTIL, CURSOR, PAGE_SIZE],
        responses={200: s.ObservationPageSerializer},
    )
    @action(detail=True)
    def observations(self, request: Request, code: str) -> HttpResponse:
        """Recent polls of one system, newest first."""
        check_parameters(request, {"since", "until", *NewestFirstCursorPagination.PARAMETERS})
        system = find_or_404(
            UpstreamSystem.objects.filter(code=code), code, _("No system %(code)s.")
        )
        rows = time_window(request, system.observations.all())
        page, links = NewestFirstCursorPagination().page(request, rows, self)
        document = {**links, "results": s.ObservationSerializer(page, many=True).data}
        return respond_document(request, document, page[0].at if page else None)


EVENT_FILTERS = {"office": Office, "stage": Stage, "service": Service, "system": UpstreamSystem}
CAUSES = [c for c in Cause.values if c]


class EventViewSet(PublicReadMixin, viewsets.ViewSet):
    """Every change of an effective state, newest first."""

    @extend_schema(
        parameters=[
            LANG,
            *(code_filter(name) for name in EVENT_FILTERS),
            OpenApiParameter("cause", OpenApiTypes.STR, enum=CAUSES),
            SINCE,
            UNTIL,
            CURSOR,
            PAGE_SIZE,
        ],
        responses={200: s.EventPageSerializer},
    )
    def list(self, request: Request) -> HttpResponse:
        allowed = {"lang", "cause", "since", "until", *EVENT_FILTERS}
        check_parameters(request, allowed | NewestFirstCursorPagination.PARAMETERS)
        lang = request_language(request)
        names = published().system_names
        events = time_window(request, self._filtered(request))
        page, links = NewestFirstCursorPagination().page(request, events, self)
        results = [event_document(e, names) for e in page]
        return respond_document(
            request, {**links, "results": results}, page[0].at if page else None, lang
        )

    def _filtered(self, request: Request):
        events = StatusEvent.objects.select_related("office", "stage", "service", "system")
        for name, model in EVENT_FILTERS.items():
            raw = request.query_params.get(name)
            if raw is not None:
                events = events.filter(**{name: by_code(name, model, raw)})
        cause = request.query_params.get("cause")
        if cause is not None:
            events = events.filter(cause=choice("cause", cause, CAUSES))
        return events


def _code(obj) -> str | None:
    return obj.code if obj is not None else None


def event_document(event: StatusEvent, system_names: dict[str, str]) -> dict:
    return {
        "id": event.pk,
        "at": iso(event.at),
        "office": _code(event.office),
        "stage": _code(event.stage),
        "service": _code(event.service),
        "system": _code(event.system),
        "old_state": event.old_state,
        "new_state": event.new_state,
        "cause": event.cause,
        "reason": event_reason(event, system_names),
    }


def event_reason(event: StatusEvent, system_names: dict[str, str]) -> str:
    """The recorded reason; "waiting for <systems>" is put in the active language."""
    prefix = "waiting for "
    if event.cause in (Cause.SYSTEM, Cause.STALE) and event.reason.startswith(prefix):
        codes = [c.strip() for c in event.reason[len(prefix) :].split(",")]
        systems = ", ".join(system_names.get(c, c) for c in codes)
        return _("Waiting for %(systems)s to recover") % {"systems": systems}
    return event.reason


class AdvisoryViewSet(PublicReadMixin, viewsets.ViewSet):
    """Advisories in force, and those that ended in the last 30 days, with their updates."""

    @extend_schema(
        parameters=[LANG, code_filter("office")], responses={200: s.AdvisoryListSerializer}
    )
    def list(self, request: Request) -> HttpResponse:
        check_parameters(request, {"lang", "office"})
        request_language(request)  # a ?lang= the portal does not speak is a 400
        advisories = recent_advisories(timezone.now())
        office = request.query_params.get("office")
        if office is not None:
            advisories = advisories.filter(offices=by_code("office", Office, office))
        rows = list(advisories)
        documents = [advisory_document(a) for a in rows]
        modified = max((advisory_modified(a) for a in rows), default=None)
        return respond_document(request, {"advisories": documents}, modified)

    @extend_schema(parameters=[LANG, ID], responses={200: s.AdvisorySerializer})
    def retrieve(self, request: Request, pk: str) -> HttpResponse:
        check_parameters(request, {"lang"})
        request_language(request)  # a ?lang= the portal does not speak is a 400
        advisory = (
            recent_advisories(timezone.now()).filter(pk=int(pk)).first() if pk.isdigit() else None
        )
        if advisory is None:
            raise NotFound("id", _("No published advisory %(id)s.") % {"id": repr(pk[:20])})
        return respond_document(request, advisory_document(advisory), advisory_modified(advisory))


def recent_advisories(now: datetime):
    """Published advisories in force at ``now`` or ended in the last 30 days, newest first."""
    recent = now - timedelta(days=RECENT_ADVISORY_DAYS)
    return (
        Advisory.objects.ever_published(now)
        .filter(Q(published_until__isnull=True) | Q(published_until__gt=recent))
        .prefetch_related("offices", "systems", "updates")
        .order_by("-published_at", "-id")
    )


def advisory_modified(advisory: Advisory) -> datetime:
    updates = [u.at for u in advisory.updates.all()]
    return max([advisory.updated_at, *updates])


def advisory_document(advisory: Advisory) -> dict:
    """One advisory in the active language, with its updates (newest first)."""
    now = timezone.now()
    in_force = advisory.published_until is None or advisory.published_until > now
    return {
        "id": advisory.pk,
        "title": localized((advisory.title_id, advisory.title_en)),
        "body": localized((advisory.body_id, advisory.body_en)),
        "severity": advisory.severity,
        "phase": advisory.phase,
        "active": in_force and advisory.phase != AdvisoryPhase.RESOLVED,
        "offices": [o.code for o in advisory.offices.all()],
        "systems": [x.code for x in advisory.systems.all()],
        "published_at": iso(advisory.published_at),
        "published_until": iso(advisory.published_until),
        "updated_at": iso(advisory.updated_at),
        "updates": [
            {
                "id": u.pk,
                "phase": u.phase,
                "body": localized((u.body_id, u.body_en)),
                "at": iso(u.at),
            }
            for u in advisory.updates.all()
        ],
    }
