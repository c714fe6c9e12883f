"""REST API v1."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from ..status import LANGS, rendered_status
from .errors import BadParameter


def request_language(request: Request) -> str:
    """``?lang=`` when given (and valid), else the negotiated language."""
    lang = request.query_params.get("lang")
    if lang is None:
        return request.LANGUAGE_CODE if request.LANGUAGE_CODE in LANGS else LANGS[0]
    if lang not in LANGS:
        raise BadParameter("lang", f"lang must be one of {', '.join(LANGS)}")
    return lang


def check_parameters(request: Request, allowed: set[str]) -> None:
    """Refuse unknown query parameters, naming the first."""
    for name in request.query_params:
        if name not in allowed:
            raise BadParameter(
                name, f"unknown parameter {name!r}; allowed: {', '.join(sorted(allowed))}"
            )


def public_bytes(request: Request, body: bytes, etag: str, content_type: str) -> HttpResponse:
    """Serve cached bytes with an ETag and CDN-friendly caching headers; 304 when unchanged."""
    if etag in _if_none_match(request):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    max_age = int(settings.POLL_INTERVAL_SECONDS)
    response["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={max_age}, stale-if-error=86400"
    )
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _if_none_match(request: Request) -> set[str]:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


class StatusView(APIView):
    """The whole picture: systems, every office's stages and services, advisories."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "lang",
                OpenApiTypes.STR,
                enum=list(LANGS),
                description="Language of names and reasons.",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, 304: None, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> HttpResponse:
        check_parameters(request, {"lang"})
        lang = request_language(request)
        rendered = rendered_status(lang)
        return public_bytes(request, rendered.body, rendered.etag, "application/json")
