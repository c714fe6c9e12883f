"""One JSON error shape for every API error: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from django.http import JsonResponse
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

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})


def exception_handler(exc, context) -> Response | None:
    """Reshape DRF's errors into the one error shape."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    field, message = None, str(getattr(exc, "detail", exc))
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict) and detail:
        field, messages = next(iter(detail.items()))
        message = str(messages[0] if isinstance(messages, list) and messages else messages)
        if field == "non_field_errors":
            field = None
    elif isinstance(detail, list) and detail:
        message = str(detail[0])
    response.data = error_body(code, message, field)
    return response
