"""The benchmark's yardstick: bare Django views returning the same bytes as the real ones."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import path

_bodies: dict[str, tuple[bytes, str]] = {}


def bare(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a recorded body as it is: no cache lookups, no negotiation, no rendering."""
    if name not in _bodies:
        folder = Path(settings.VAR_DIR) / "bench"
        try:
            body = (folder / f"{name}.body").read_bytes()
            content_type = (folder / f"{name}.type").read_text()
        except FileNotFoundError:
            raise Http404(name) from None
        _bodies[name] = (body, content_type)
    body, content_type = _bodies[name]
    return HttpResponse(body, content_type=content_type)


def bare_not_modified(request: HttpRequest) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = '"bench"'
    return response


urlpatterns = [
    path("bench/bare/not-modified", bare_not_modified),
    path("bench/bare/<slug:name>", bare),
]
