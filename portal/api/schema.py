"""OpenAPI: the token scheme, and the documented errors and caching headers of every operation."""

from __future__ import annotations

from typing import ClassVar

from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation

from ..prepared import Prepared, respond
from .auth import AnonReadThrottle


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, generated once per process, format and language (it changes
    only with the code), served like any public read: conditional, compressed, CORS."""

    throttle_classes = [AnonReadThrottle]
    content_negotiation_class = DefaultContentNegotiation  # YAML, or JSON when asked
    built: ClassVar[dict[tuple[str, str], Prepared]] = {}

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs) -> HttpResponse:
        renderer = request.accepted_renderer
        key = (renderer.format, translation.get_language())
        entry = self.built.get(key)
        if entry is None:
            data = self._get_schema_response(request).data
            body = renderer.render(data, request.accepted_media_type, {"request": request})
            entry = Prepared.of(body, content_type=renderer.media_type, vary=("Accept",))
            self.built[key] = entry
        return respond(request, entry)


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one shape of every API error.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable machine-readable code, e.g. `invalid_parameter`, "
                    "`not_found`, `not_authenticated`, `permission_denied`, `throttled`.",
                },
                "message": {
                    "type": "string",
                    "description": "What went wrong, in the request's language "
                    "(`?lang=`, else the language cookie, else Accept-Language).",
                },
                "field": {
                    "type": ["string", "null"],
                    "description": "The parameter or body field at fault, when one is.",
                },
            },
            "required": ["code", "message", "field"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": "Bad input: an unknown or malformed parameter or field, named in `error.field`.",
    "401": "No token, or an unknown or revoked one.",
    "403": "The token's owner may not make this change (office scope or permission).",
    "404": "No such code or id.",
    "410": "The override or closure has been cleared or has ended (see /api/v1/events/).",
    "415": "The body is not JSON.",
    "422": "Well-formed, but refused: an unknown code, a cursor this API did not give out, "
    "or a rule the schema cannot say (an expiry in the past, a service the office does not "
    "offer, a window ending before it starts). `error.field` names the field.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
}

CACHE_HEADERS = {
    "ETag": "Strong validator of this representation; send it back as `If-None-Match`.",
    "Last-Modified": "When the data behind this representation last changed.",
    "Cache-Control": "Public reads: `public, max-age=<poll interval>, stale-while-revalidate, "
    "stale-if-error`; token reads: `private, no-cache`.",
}


def without_trailing_slashes(endpoints: list) -> list:
    """Document each path once, in its form without a trailing slash (both answer)."""
    bare = {path for path, *_ in endpoints if not path.endswith("/")}
    return [e for e in endpoints if not (e[0].endswith("/") and e[0].rstrip("/") in bare)]


def document_errors(result: dict, generator, request, public) -> dict:
    """Add the error shape, 304 and caching headers to every operation of the schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _document_operation(path, method, operation)
            _shared_parameter_enums(operation, schemas)
            _summarize(operation)
            operation.setdefault("security", [])  # a public read: no token needed
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _strict_request(name, schema)
    _null_as_alternative(result)
    return result


def finish(result: dict, generator, request, public) -> dict:
    """Run last: what other apps' hooks added is public too unless it says otherwise (the
    webhooks the portal sends need no token of the receiver's)."""
    for hook in result.get("webhooks", {}).values():
        for operation in hook.values():
            operation.setdefault("security", [])
    return result


def _null_as_alternative(node: object) -> None:
    """Make ``null`` one of the alternatives wherever a nullable schema also lists them: in
    OpenAPI 3.1 ``{"type": [..., "null"], "anyOf": [...]}`` admits null only if an
    alternative does too, and drf-spectacular writes a nullable field's ``anyOf`` so."""
    if isinstance(node, list):
        for item in node:
            _null_as_alternative(item)
    elif isinstance(node, dict):
        types = node.get("type")
        for key in ("anyOf", "oneOf"):
            if isinstance(types, list) and "null" in types and isinstance(node.get(key), list):
                node[key] = [*node[key], {"type": "null"}]  # the list may be shared
                node.pop("type", None)
        for value in node.values():
            _null_as_alternative(value)


# A reason says something: not blank, and without NUL (which PostgreSQL cannot store).
REASON_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _strict_request(name: str, schema: dict) -> None:
    """What the write serializers enforce, said in the schema: no field beyond those
    listed, a reason that says something, and an override names a stage or a service."""
    schema["additionalProperties"] = False
    reason = schema.get("properties", {}).get("reason")
    if reason is not None:
        reason["pattern"] = REASON_PATTERN
    if name == "OverrideRequest":
        schema["oneOf"] = [{"required": ["stage"]}, {"required": ["service"]}]


def _summarize(operation: dict) -> None:
    """A one-line summary: the first sentence of the description, else the operation id."""
    if operation.get("summary"):
        return
    first = (operation.get("description") or "").split("\n\n")[0].split(". ")[0]
    first = " ".join(first.split()).rstrip(".")
    if not first or len(first) > 80:
        first = operation["operationId"].replace("_", " ")
    operation["summary"] = first


def _shared_parameter_enums(operation: dict, schemas: dict) -> None:
    """One ``LangEnum`` component for every ``lang`` parameter, instead of an inline enum
    per operation (which a generated client turns into one type per operation)."""
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "lang" and "enum" in parameter.get("schema", {}):
            schemas["LangEnum"] = {**parameter["schema"], "description": "`id` or `en`."}
            parameter["schema"] = {"$ref": "#/components/schemas/LangEnum"}


# Query parameters whose well-formed values may still name nothing (422).
REFERRING_PARAMETERS = {"office", "stage", "service", "system", "since", "until", "cursor"}


def _document_operation(path: str, method: str, operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    codes = ["400", "429"]
    if "{" in path:
        codes.append("404")
    if operation.get("security") and {} not in operation["security"]:  # token required
        codes += ["401", "403"]
    if method in ("post", "put", "patch"):
        codes += ["415", "422"]
    elif {p["name"] for p in operation.get("parameters", [])} & REFERRING_PARAMETERS:
        codes.append("422")
    if method == "get" and path in ("/api/v1/overrides/{id}", "/api/v1/closures/{id}"):
        codes.append("410")
    for code in codes:
        responses.setdefault(code, _error_response(ERRORS[code], code))
    if method == "get":
        responses.setdefault("304", {"description": "Not modified since the validator sent."})
        for status, response in responses.items():
            if status.startswith("2"):
                response.setdefault("headers", {}).update(_headers(CACHE_HEADERS))


def _error_response(description: str, code: str) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if code == "429":
        response["headers"] = _headers({"Retry-After": "Seconds to wait before retrying."})
    if code == "401":
        response["headers"] = _headers({"WWW-Authenticate": "`Bearer`."})
    return response


def _headers(described: dict[str, str]) -> dict:
    return {name: {"schema": {"type": "string"}, "description": d} for name, d in described.items()}
