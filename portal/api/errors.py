"""One JSON error shape for every API error: {"error": {"code", "message", "field"}}.

DRF's exceptions, Django's ``ValidationError``/``PermissionDenied``/``Http404`` raised by the
shared write functions, and Django's own 404/500 pages for paths under /api/ all answer
in this shape.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    """An error response for plain Django views."""
    return JsonResponse(error_body(code, message, field), status=status)


class BadParameter(exceptions.ValidationError):
    """A query parameter that is unknown or has a bad value: 400 naming it."""

    default_code = "invalid_parameter"

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]}, code=self.default_code)


class FieldError(exceptions.APIException):
    """An error naming the field or path parameter at fault (``error.field``)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


class NotFound(FieldError, exceptions.NotFound):
    """An unknown code or id in the path: 404 naming the path parameter."""


class Unprocessable(FieldError):
    """Well-formed input that names nothing known or breaks a rule: 422 naming the field."""

    status_code = 422
    default_code = "unprocessable"


class Gone(FieldError):
    """An override or closure that has been cleared or has ended: 410."""

    status_code = 410
    default_code = "gone"


class RequestTooLarge(exceptions.APIException):
    """A request body over the limit: 413, before it is parsed."""

    status_code = 413
    default_code = "request_too_large"
    default_detail = gettext_lazy("The request body is too large.")


def exception_handler(exc, context) -> Response | None:
    """Reshape DRF's errors (and Django's, from the shared functions) into the one shape."""
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, field, message = _describe(exc)
    if isinstance(exc, exceptions.Throttled):  # DRF's words are half translated
        seconds = max(1, int(exc.wait or 1))  # as DRF writes Retry-After
        message = ngettext(
            "Too many requests; retry after %(seconds)d second.",
            "Too many requests; retry after %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    response.data = error_body(code, message, field)
    return response


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):  # a rule of the domain: well-formed, refused
        found = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        field, errors = next(iter(found.items()))
        return Unprocessable(None if field == "__all__" else field, domain_sentence(errors[0]))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    return exc


def domain_sentence(error: DjangoValidationError) -> str:
    """A rule of services/overrides.py as said to an API client, in the active language (the
    error's own English words for a code not listed)."""
    params = dict(error.params or {})
    target = params.get("target")
    if target is not None:
        english = translation.get_language() == "en"
        params["name"] = target.name_en if english and target.name_en else target.name_id
    sentences = {
        "target": _("Give either a stage or a service."),
        "state": _("state must be open or closed."),
        "reason": _("A reason is required."),
        "expiry_past": _("The expiry must be in the future."),
        "not_offered": _("%(office)s does not offer %(name)s."),
        "no_checkpoint": _("%(office)s has no checkpoint, so no stage %(name)s."),
        "no_office": _("Give an office."),
        "no_start": _("A start is required."),
        "ends_before_start": _("The closure must end after it starts."),
        "ends_past": _("The closure must end in the future."),
    }
    sentence = sentences.get(error.code or "")
    return sentence % params if sentence else " ".join(error.messages)


def _describe(exc: Exception) -> tuple[str, str | None, str]:
    """The error's code, the field it names (if any) and its first message."""
    code = getattr(exc, "default_code", "error")
    field = getattr(exc, "field", None)
    detail = getattr(exc, "detail", None)
    message = str(detail if detail is not None else exc)
    while isinstance(detail, dict) and detail:
        key, detail = next(iter(detail.items()))
        field = key if field is None else f"{field}.{key}"
        if isinstance(detail, list) and detail:
            detail = detail[0]
        message = str(detail)
    if isinstance(detail, list) and detail:
        message = str(detail[0])
    if field in ("non_field_errors", "__all__"):
        field = None
    return code, field, message


def is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """JSON for unknown paths under /api/, Django's page elsewhere."""
    if is_api_path(request):
        message = _("No API endpoint at %(path)s.") % {"path": request.path}
        return error_response(404, "not_found", message)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    """JSON for failures under /api/, Django's page elsewhere."""
    if is_api_path(request):
        return error_response(500, "server_error", _("The server failed to answer; try again."))
    return defaults.server_error(request)
