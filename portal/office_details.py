"""An office page's details: its opening hours as rows, and 90 days of history bars."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from services.snapshot import Published

from . import history
from .presentation import OfficeView
from .templatetags.portal_tags import (
    format_clock,
    format_day,
)

log = logging.getLogger(__name__)
HISTORY_CACHE_SECONDS = 60


def opening_hours_rows(raw: object, tz: ZoneInfo) -> list[dict]:
    """Monday to Sunday with their opening times ("Closed" on days without)."""
    hours = history.parse_opening_hours(raw)
    today = timezone.now().astimezone(tz).weekday()
    return [
        {
            "day": str(WEEKDAYS[weekday]),
            "today": weekday == today,
            "spans": [f"{format_clock(a)}–{format_clock(b)}" for a, b in hours.get(weekday, ())],
        }
        for weekday in range(7)
    ]


@dataclass(frozen=True)
class Bar:
    level: str  # CSS class: off, none, s0…s4, unk
    text: str


def history_rows(office: OfficeView, info, bundle: Published) -> list[dict]:
    """Per stage: a summary of 90 days and its bars as HTML, built once per snapshot."""
    key = f"portal:history:{office.code}:{bundle.token}:{translation.get_language()}"
    rows = cache_get(key)
    if rows is None:
        figures = history.office_history(
            office.code,
            [s["code"] for s in office.stages],
            opening_hours=info.opening_hours,
            tz=ZoneInfo(info.timezone),
            now=timezone.now(),
            store=False,  # reads never write: the hourly roll-up task fills the days
        )
        rows = [history_row(stage, figures.get(stage["code"], [])) for stage in office.stages]
        cache_set(key, rows, HISTORY_CACHE_SECONDS)
    return rows


def history_row(stage: dict, days: Sequence[history.DayFigure]) -> dict:
    """One stage's summary and bars; the bars are HTML built here (540 of them per page)."""
    bars = [history_bar(d, day_label(d.day)) for d in days]
    return {
        "code": stage["code"],
        "name": stage["name"],
        "summary": history_summary(days),
        "bars": format_html_join(
            "",
            '<li class="{}" tabindex="0"><span class="tip">{}</span></li>',
            ((bar.level, bar.text) for bar in bars),
        ),
    }


@lru_cache(maxsize=512)
def _day_label(day: date, lang: str) -> str:
    return format_day(day)


def day_label(day: date) -> str:
    """``format_day``, memoized: each page names the same 90 days for every stage."""
    return _day_label(day, translation.get_language())


def cache_get(key: str) -> object:
    # The cache only saves work: a dead Redis must not take the page down with it.
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unavailable; computing the history afresh", exc_info=True)
        return None


def cache_set(key: str, value: object, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("cache unavailable; not caching the history", exc_info=True)


def percent(part: float, whole: float) -> str:
    """A share as a whole percentage, never rounding a non-zero share to 0 %."""
    value = round(100 * part / whole)
    return "<1%" if part and value == 0 else f"{value}%"


def history_bar(figure: history.DayFigure, day: str | None = None) -> Bar:
    """One day's bar: a shade for the closed share and the figure in words."""
    day = day or format_day(figure.day)
    if not figure.office_seconds:
        return Bar("off", _("%(day)s: no office hours") % {"day": day})
    if not figure.known_seconds:
        return Bar("none", _("%(day)s: no data") % {"day": day})
    closed, known = figure.closed_seconds, figure.known_seconds
    text = _("%(day)s: closed %(share)s of office hours") % {
        "day": day,
        "share": percent(closed, known),
    }
    if figure.unknown_seconds:
        text += _("; not confirmed %(share)s") % {"share": percent(figure.unknown_seconds, known)}
    return Bar(shade(closed / known, figure.unknown_seconds), text)


def shade(share: float, unknown_seconds: int) -> str:
    """The CSS class of a day: s0 (open all hours) to s4 (closed over three quarters)."""
    if share == 0:
        return "unk" if unknown_seconds else "s0"
    return f"s{min(4, 1 + int(share * 4 - 1e-9))}"


def history_summary(days: Sequence[history.DayFigure]) -> str:
    """The whole period in one sentence."""
    known = sum(d.known_seconds for d in days)
    if not known:
        return _("No data for the last %(days)s days yet.") % {"days": len(days)}
    closed = sum(d.closed_seconds for d in days)
    return _("Closed %(share)s of office hours in the last %(days)s days.") % {
        "share": percent(closed, known),
        "days": len(days),
    }
