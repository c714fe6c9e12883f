"""REST API v1, writes by other systems: overrides, office closures, system declarations.

Every write goes through services/overrides.py, as the admin's do: the same validation, the
same office scope (the token owner's), and the token owner recorded as the actor of the
change and of the status events it causes.
"""

from __future__ import annotations

import io
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from offices.models import Office, OfficeClosure
from services import overrides
from services.models import Override, UpstreamSystem
from services.snapshot import published

from . import serializers as s
from .auth import ApiTokenAuthentication, TokenPermissions, TokenReadThrottle, TokenWriteThrottle
from .errors import Gone, NotFound, RequestTooLarge
from .params import activate_language, check_parameters, request_language
from .views import CODE, ID, find_or_404

# A write body is a few fields and a reason of at most 500 characters (≤ 3 KB even with
# every character escaped): more is refused before parsing.
MAX_BODY_BYTES = 8 * 1024


class CappedJSONParser(parsers.JSONParser):
    """JSON of at most MAX_BODY_BYTES (else 413); nesting too deep to parse is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise RequestTooLarge(
                _("The request body is over %(most)s bytes.") % {"most": MAX_BODY_BYTES}
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from None


class TokenWriteMixin:
    """Token holders with the admin's permission only; throttled per token; no query parameters."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [TokenPermissions]
    parser_classes = [CappedJSONParser]

    def get_throttles(self):
        safe = self.request.method in ("GET", "HEAD", "OPTIONS")
        return [TokenReadThrottle() if safe else TokenWriteThrottle()]

    def initial(self, request, *args, **kwargs):
        activate_language(request)
        super().initial(request, *args, **kwargs)
        check_parameters(request, {"lang"})
        request_language(request)  # a ?lang= the portal does not speak is a 400

    def finalize_response(self, request, response, *args, **kwargs):
        """Token reads are conditional too, but private to the token holder."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            response["Cache-Control"] = "private, no-cache"
            modified = getattr(self, "last_modified", None)
            if modified is not None:
                response["Last-Modified"] = http_date(modified.timestamp())
            set_response_etag(response)
            return get_conditional_response(
                request,
                etag=response["ETag"],
                last_modified=int(modified.timestamp()) if modified else None,
                response=response,
            )
        return response

    def list(self, request: Request) -> Response:
        rows = list(self.get_queryset())
        self.last_modified = newest_change(rows)
        return Response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        """One in force or coming; one cleared, ended or expired is gone (410)."""
        row = self.get_object()
        if not self.in_force(row):
            raise Gone("id", self.gone % {"id": pk})
        self.last_modified = newest_change([row])
        return Response(self.get_serializer(row).data)

    def get_object(self):
        pk = self.kwargs["pk"]
        found = self.get_queryset().filter(pk=int(pk)).first() if pk.isdigit() else None
        if found is None:
            raise NotFound("id", self.missing % {"id": repr(pk[:20])})
        overrides.check_offices_scope(self.request.user, [found.office])  # reads as writes
        return found


def newest_change(rows) -> datetime:
    """When the newest of ``rows`` was created or cleared (else when state last changed)."""
    moments = [t for row in rows for t in (row.created_at, row.cleared_at) if t is not None]
    return max(moments) if moments else published().snapshot.generated_at


class OverrideViewSet(TokenWriteMixin, viewsets.GenericViewSet):
    """Force a stage or service open or closed at an office, and end it again."""

    serializer_class = s.OverrideSerializer

    missing = gettext_lazy("No override %(id)s.")
    gone = gettext_lazy("Override %(id)s has ended; its history is in /api/v1/events/.")

    def in_force(self, row: Override) -> bool:
        return Override.objects.active(timezone.now()).filter(pk=row.pk).exists()

    def get_queryset(self) -> QuerySet:
        rows = Override.objects.select_related("office", "stage", "service", "actor", "cleared_by")
        if self.action == "list":  # the overrides in force that this token may manage
            offices = Office.objects.for_user(self.request.user)
            return rows.active(timezone.now()).filter(office__in=offices)
        return rows

    def create(self, request: Request) -> Response:
        """Create an override in the token owner's office scope."""
        serializer = s.OverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        override = overrides.create_override(**serializer.validated_data, actor=request.user)
        return Response(s.OverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ID], request=None, responses={200: s.OverrideSerializer})
    def destroy(self, request: Request, pk: str) -> Response:
        """Clear an override now; it stays in history (clearing twice changes nothing)."""
        override = overrides.clear_override(self.get_object(), actor=request.user)
        return Response(s.OverrideSerializer(override).data)


class ClosureViewSet(TokenWriteMixin, viewsets.GenericViewSet):
    """Close a whole office for a window, and end or cancel the closure."""

    serializer_class = s.ClosureSerializer

    missing = gettext_lazy("No closure %(id)s.")
    gone = gettext_lazy("Closure %(id)s has ended; its history is in /api/v1/events/.")

    def in_force(self, row: OfficeClosure) -> bool:
        return OfficeClosure.objects.relevant(timezone.now()).filter(pk=row.pk).exists()

    def get_queryset(self) -> QuerySet:
        rows = OfficeClosure.objects.select_related("office", "actor", "cleared_by")
        if self.action == "list":  # current and coming closures this token may manage
            offices = Office.objects.for_user(self.request.user)
            return rows.relevant(timezone.now()).filter(office__in=offices)
        return rows

    def create(self, request: Request) -> Response:
        """Close an office in the token owner's office scope."""
        serializer = s.ClosureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closure = overrides.close_office(**serializer.validated_data, actor=request.user)
        return Response(s.ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ID], request=None, responses={200: s.ClosureSerializer})
    def destroy(self, request: Request, pk: str) -> Response:
        """End a closure now, or cancel it before it starts; it stays in history."""
        closure = overrides.end_closure(self.get_object(), actor=request.user)
        return Response(s.ClosureSerializer(closure).data)


class SystemDeclarationView(TokenWriteMixin, APIView):
    """Declare a system's state by hand (wins over the poller), or hand it back."""

    queryset = UpstreamSystem.objects.all()  # for TokenPermissions: change_upstreamsystem

    def _system(self, code: str) -> UpstreamSystem:
        return find_or_404(UpstreamSystem.objects.filter(code=code), code, _("No system %(code)s."))

    @extend_schema(
        parameters=[CODE],
        request=s.DeclarationSerializer,
        responses={200: s.DeclaredSystemSerializer},
    )
    def put(self, request: Request, code: str) -> Response:
        system = self._system(code)
        serializer = s.DeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        system = overrides.declare_system(system, **serializer.validated_data, actor=request.user)
        return Response(s.DeclaredSystemSerializer(system).data)

    @extend_schema(parameters=[CODE], request=None, responses={200: s.DeclaredSystemSerializer})
    def delete(self, request: Request, code: str) -> Response:
        system = overrides.clear_declaration(self._system(code), actor=request.user)
        return Response(s.DeclaredSystemSerializer(system).data)
