"""A shortcut through DRF for the reads that are served as prepared bytes.

Status pages are polled hard on the worst day. A plain anonymous GET of a cached document
needs none of DRF's negotiation, authentication or permission machinery, so it calls the
view's handler directly; anything else (a token, another method, a bad parameter, a
client over its limit) goes through the full DRF view, which answers as it always does.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from .auth import AnonReadThrottle
from .conditional import cors_headers
from .views import respond_rendered


def fast_public_read(view_class: type[APIView]) -> Callable[..., HttpResponse]:
    """``view_class.as_view()``, with a direct path for plain anonymous GETs."""
    full = view_class.as_view()

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in request.META:
            response = _direct(view_class, request, args, kwargs)
            if response is not None:
                return response
        return full(request, *args, **kwargs)

    # What drf-spectacular and Django read off a view made by as_view().
    view.cls = full.cls
    view.initkwargs = full.initkwargs
    view.csrf_exempt = True
    view.__doc__ = full.__doc__
    return view


def _direct(view_class: type[APIView], request: HttpRequest, args, kwargs) -> HttpResponse | None:
    """The handler's answer, or None when only the full view can answer properly."""
    if not AnonReadThrottle().allow_request(request, None):
        return None  # the full view answers 429 with Retry-After
    prepared = getattr(view_class, "prepared", None)
    if prepared is not None:  # the document's bytes, straight from the memo
        rendered = prepared(request)
        return None if rendered is None else cors_headers(respond_rendered(request, rendered))
    instance = view_class()
    instance.args, instance.kwargs, instance.format_kwarg = args, kwargs, None
    instance.request = drf_request = Request(request)
    instance.headers = {}
    try:
        return cors_headers(instance.get(drf_request, *args, **kwargs))
    except APIException:
        return None  # a bad parameter or unknown code: the full view shapes the error
