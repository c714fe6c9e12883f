"""Query parameters of the read API: each is checked, and a bad one is a 400 naming it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from django.db.models import Model, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from ..prepared import LANGS, api_language, is_cache_buster
from .errors import BadParameter, Unprocessable


def check_parameters(request: Request, allowed: set[str]) -> None:
    """Refuse unknown query parameters, and values with a NUL (PostgreSQL refuses those)."""
    for name, values in request.query_params.lists():
        if name not in allowed and not is_cache_buster(name):
            raise BadParameter(
                name,
                _("Unknown parameter %(name)s; the parameters are: %(allowed)s.")
                % {"name": repr(name), "allowed": ", ".join(sorted(allowed)) or "-"},
            )
        if any("\x00" in value for value in values):
            raise BadParameter(
                name, _("%(name)s must not contain a NUL character.") % {"name": name}
            )


def request_language(request) -> str:
    """``?lang=`` when given (and valid), else the cookie's or Accept-Language's."""
    lang = api_language(request)
    if lang is None:
        raise BadParameter(
            "lang", _("lang must be one of %(langs)s.") % {"langs": ", ".join(LANGS)}
        )
    return lang


def activate_language(request: Request) -> None:
    """Answer in the request's language, errors included (``?lang=``, cookie, Accept-Language).
    An unknown ``?lang=`` changes nothing here: the view refuses it (``request_language``),
    after the throttles have counted the request."""
    lang = api_language(request._request)
    if lang is not None:
        translation.activate(lang)


CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


# A "+" of an unencoded UTC offset arrives as a space: "2024-06-20T10:00:00 07:00".
_OFFSET_AS_SPACE = re.compile(r"^(.*\d) (\d{2}(:?\d{2})?)$")
# RFC 3339 full-date, or date-time (the offset may be left out: then WIB).
_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?$"
)
_LEAP_SECOND = re.compile(r"(\d{2}:\d{2}):60")
# The earliest and latest moments with a date in UTC and in WIB, for bounds beyond them.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def parse_moment(name: str, raw: str) -> datetime:
    """An RFC 3339 date or date-time; a date means its start, a time without offset WIB.

    A bound beyond the calendar (year 1 at +23:59) is the calendar's end; a leap second
    is the second before it."""
    value = _OFFSET_AS_SPACE.sub(r"\1+\2", raw.strip())
    if not _MOMENT.match(value):
        raise BadParameter(
            name,
            _(
                "%(name)s must be an RFC 3339 date or date-time, e.g. 2024-06-20 or "
                "2024-06-20T08:00:00+07:00 (got %(raw)s)."
            )
            % {"name": name, "raw": repr(raw[:40])},
        )
    value = _LEAP_SECOND.sub(r"\1:59", value.upper())
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:  # e.g. 2024-02-30
        raise BadParameter(
            name,
            _("%(name)s is not a date of the calendar (got %(raw)s).")
            % {"name": name, "raw": repr(raw[:40])},
        ) from None
    if len(value) <= 10:  # a bare date
        moment = datetime.combine(moment.date(), time.min)
    if timezone.is_naive(moment):
        moment = (
            timezone.make_aware(moment)
            if EARLIEST.year < moment.year < LATEST.year
            else moment.replace(tzinfo=UTC)
        )
    return min(max(moment, EARLIEST), LATEST)


def time_window(request: Request, queryset: QuerySet, field: str = "at") -> QuerySet:
    """Apply ``since`` (inclusive) and ``until`` (exclusive) to ``queryset``."""
    since = request.query_params.get("since")
    until = request.query_params.get("until")
    since_at = parse_moment("since", since) if since is not None else None
    until_at = parse_moment("until", until) if until is not None else None
    if since_at and until_at and until_at <= since_at:
        raise Unprocessable("until", _("until must be later than since."))
    if since_at:
        queryset = queryset.filter(**{f"{field}__gte": since_at})
    if until_at:
        queryset = queryset.filter(**{f"{field}__lt": until_at})
    return queryset


def by_code(name: str, model: type[Model], raw: str) -> Model:
    """The row whose code is ``raw``, or a 400 naming the parameter."""
    if not CODE.fullmatch(raw):
        raise BadParameter(
            name,
            _("%(name)s must be a code such as palembang (got %(raw)s).")
            % {"name": name, "raw": repr(raw[:60])},
        )
    found = model.objects.filter(code=raw).first()
    if found is None:
        raise Unprocessable(
            name, _("Unknown %(field)s %(code)s.") % {"field": name, "code": repr(raw[:60])}
        )
    return found


def choice(name: str, raw: str, allowed: list[str]) -> str:
    if raw not in allowed:
        raise BadParameter(
            name,
            _("%(name)s must be one of %(allowed)s.")
            % {"name": name, "allowed": ", ".join(allowed)},
        )
    return raw


class NewestFirstCursorPagination(CursorPagination):
    """Newest first by ``at``; an opaque cursor; ``page_size`` up to 500."""

    ordering = ("-at", "-id")
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    PARAMETERS = {"cursor", "page_size"}

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise BadParameter(
                "page_size",
                _("page_size must be a whole number from 1 to %(most)s.")
                % {"most": self.max_page_size},
            )
        return int(raw)

    def decode_cursor(self, request: Request):
        try:
            cursor = super().decode_cursor(request)
            # The position goes into the query: make sure it is a date-time first, with the
            # offset every cursor this API gives out carries, and with a date in UTC and in
            # WIB (else OverflowError): year 1 WIB has not.
            if cursor is not None and cursor.position is not None:
                moment = datetime.fromisoformat(cursor.position)
                if timezone.is_naive(moment):
                    raise ValueError("a cursor's position has an offset")
                moment.astimezone(UTC), moment.astimezone(timezone.get_default_timezone())
            return cursor
        except (exceptions.NotFound, ValueError, OverflowError, TypeError):
            raise Unprocessable("cursor", _("This cursor is not one this API gave out.")) from None

    def page(self, request: Request, queryset: QuerySet, view) -> tuple[list, dict]:
        """One page of ``queryset`` and its links."""
        rows = self.paginate_queryset(queryset, request, view=view) or []
        return rows, {"next": self.get_next_link(), "previous": self.get_previous_link()}
