"""Shortcuts for the reads that are served as prepared bytes.

Status pages are polled hard on the worst day. A plain anonymous GET of a cached document
or page needs none of DRF's negotiation, authentication or permission machinery, and none
of the session, CSRF, auth or messages middleware either:

- ``PreparedReadMiddleware`` answers it right after the security headers are set, from the
  per-process memo of the document's or page's bytes (200, or 304 when the client's copy is
  current), for every view with a ``prepared(request)`` that returns the response;
- ``fast_public_read`` wraps a view so that such a GET which still reaches it (the
  middleware is not installed, or the view has no prepared document) calls the handler
  directly.

Anything else (a token, another method, a bad parameter, a client over its limit, a cold
build that fails) goes through the full stack and the full DRF view, which answer as they
always do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from ..status import Rendered
from .auth import AnonReadThrottle
from .conditional import cors_headers
from .views import respond_rendered

log = logging.getLogger(__name__)

Prepared = Callable[[HttpRequest], HttpResponse | None]


def fast_public_read(view_class: type[APIView]) -> Callable[..., HttpResponse]:
    """``view_class.as_view()``, with a direct path for plain anonymous GETs."""
    full = view_class.as_view()

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _plain_read(request):
            response = _direct(view_class, request, args, kwargs)
            # Counted once: a refused read is counted by the full view that answers it.
            if response is not None and AnonReadThrottle().allow_request(request, None):
                return response
        return full(request, *args, **kwargs)

    # What drf-spectacular and Django read off a view made by as_view().
    view.cls = full.cls
    view.initkwargs = full.initkwargs
    view.csrf_exempt = True
    view.__doc__ = full.__doc__
    document = getattr(view_class, "prepared", None)
    if document is not None:  # what the middleware serves
        view.prepared = partial(_prepared_read, document)
    return view


def _prepared_read(
    document: Callable[[HttpRequest], Rendered | None], request: HttpRequest
) -> HttpResponse | None:
    request.LANGUAGE_CODE = translation.get_language_from_request(request)
    rendered = document(request)
    if rendered is None:
        return None  # a parameter to refuse: the full view answers (and counts) it
    if not AnonReadThrottle().allow_request(request, None):
        return None  # the full view answers 429 with Retry-After
    response = cors_headers(respond_rendered(request, rendered))
    response["Content-Language"] = request.LANGUAGE_CODE
    return response


def _plain_read(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in request.META


def _direct(view_class: type[APIView], request: HttpRequest, args, kwargs) -> HttpResponse | None:
    """The handler's answer, or None when only the full view can answer properly."""
    instance = view_class()
    instance.args, instance.kwargs, instance.format_kwarg = args, kwargs, None
    instance.request = drf_request = Request(request)
    instance.headers = {}
    try:
        return cors_headers(instance.get(drf_request, *args, **kwargs))
    except APIException:
        return None  # a bad parameter or unknown code: the full view shapes the error


class PreparedReadMiddleware:
    """Answer plain anonymous GETs of prepared documents and warm pages before the rest of
    the stack.

    It sits right after the security-header middleware, so these answers carry the same
    security headers as any other; it adds what the skipped middleware would have added
    (``Vary: Accept-Language``, ``Content-Length``, ``X-Frame-Options``) and checks the Host
    header as ``CommonMiddleware`` would. The views' own ``prepared`` set the rest.
    """

    MAX_ROUTES = 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.routes: dict[str, Prepared | None] = {}  # path -> its view's prepared, if any

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _plain_read(request):
            prepared = self.prepared(request.path_info)
            if prepared is not None:
                response = self.serve(request, prepared)
                if response is not None:
                    return response
        return self.get_response(request)

    def prepared(self, path: str) -> Prepared | None:
        try:
            return self.routes[path]
        except KeyError:
            pass
        try:
            match = resolve(path)
        except Resolver404:
            found = None
        else:
            found = getattr(match.func, "prepared", None)
        if len(self.routes) >= self.MAX_ROUTES:
            self.routes.clear()
        self.routes[path] = found
        return found

    def serve(self, request: HttpRequest, prepared: Prepared) -> HttpResponse | None:
        """The prepared answer, or None to let the full stack answer (and refuse) it."""
        try:
            request.get_host()  # DisallowedHost: the full stack answers 400
            response = prepared(request)
        except Exception:  # a cold build that failed, a bad host: answered the long way
            log.debug("prepared read declined", exc_info=True)
            return None
        if response is None:
            return None
        patch_vary_headers(response, ("Accept-Language",))  # as LocaleMiddleware does
        response["Content-Length"] = str(len(response.content))
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
        return response
