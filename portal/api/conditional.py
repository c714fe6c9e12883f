"""Conditional requests and caching headers for public reads.

Every public read carries a strong ``ETag`` (a digest of the bytes sent) and a
``Last-Modified``; ``If-None-Match`` (or, without it, ``If-Modified-Since``) answers 304.
Public reads may be cached by anyone (``Cache-Control: public``, CDN-friendly
``stale-while-revalidate``/``stale-if-error``) and read from any origin.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

STALE_IF_ERROR_SECONDS = 86400


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def public_headers(response: HttpResponse) -> HttpResponse:
    """Let any origin read the response, and anyone cache it for one poll interval."""
    shared_cache_headers(response)
    cors_headers(response)
    patch_vary_headers(response, ["Accept-Language"])
    return response


def shared_cache_headers(response: HttpResponse) -> HttpResponse:
    """Anyone (a CDN, a proxy) may keep the response for one poll interval, and serve it
    for a day while the portal cannot answer."""
    max_age = max(1, int(settings.POLL_INTERVAL_SECONDS))
    response["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={max_age}, "
        f"stale-if-error={STALE_IF_ERROR_SECONDS}"
    )
    return response


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}


def cors_headers(response: HttpResponse) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def conditional(
    request: HttpRequest, response: HttpResponse, etag: str, last_modified: datetime | None
) -> HttpResponse:
    """Set validators on a 200 response; answer 304 when the client's copy is current."""
    modified = last_modified.timestamp() if last_modified else None
    if _not_modified(request, etag, modified):
        not_modified = HttpResponseNotModified()
        for header in ("Cache-Control", "Vary", *CORS_HEADERS):
            if header in response:
                not_modified[header] = response[header]
        response = not_modified
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    return response


def _not_modified(request: HttpRequest, etag: str, modified: float | None) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:  # RFC 9110 §13.2.2: If-None-Match wins when both are sent
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and modified is not None and int(modified) <= since


def respond_bytes(
    request: HttpRequest,
    body: bytes,
    etag: str,
    last_modified: datetime | None,
    content_type: str = "application/json",
) -> HttpResponse:
    """Serve prepared bytes as a public, conditional read."""
    response = public_headers(HttpResponse(body, content_type=content_type))
    return conditional(request, response, etag, last_modified)
