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
from django.utils.translation import ngettext

from services.snapshot import Published

from . import history
from .presentation import OfficeView
from .templatetags.portal_tags import format_clock, format_day

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
    level: str  # CSS class: off, none, unk, or c0…c20 (closed share in 5 % steps)
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
    lang = translation.get_language()
    bars = [history_bar(d, day_label(d.day, lang)) for d in days]
    return {
        "code": stage["code"],
        "name": stage["name"],
        "summary": history_summary(days),
        "bars": format_html_join(
            "",
            # No tab stop per day: the page script makes each stage's bars one tab stop with
            # arrow keys; without it the figures are read from the list.
            '<li class="{}"><span class="tip">{}</span></li>',
            ((bar.level, bar.text) for bar in bars),
        ),
    }


@lru_cache(maxsize=512)
def day_label(day: date, lang: str) -> str:
    """``format_day`` in ``lang`` (the active one), memoized: each page names the same 90 days
    for every stage."""
    return format_day(day)


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
    """The CSS class of a day: the closed share in 5 % steps, c0 (open all hours) to c20
    (closed all hours); a day closed at all is never drawn as open, nor open as closed."""
    if share == 0:
        return "unk" if unknown_seconds else "c0"
    return f"c{min(19 if share < 1 else 20, max(1, round(share * 20)))}"


def history_summary(days: Sequence[history.DayFigure]) -> str:
    """The period in one sentence: the closed share of the office hours with data only, and
    over how many days with data."""
    known = sum(d.known_seconds for d in days)
    covered = sum(1 for d in days if d.known_seconds)
    if not known:
        return _("No data for the last %(days)s days yet.") % {"days": len(days)}
    closed = sum(d.closed_seconds for d in days)
    return ngettext(
        "Closed %(share)s of the %(hours)s of office time with data, on %(covered)s day "
        "with data of the last %(days)s.",
        "Closed %(share)s of the %(hours)s of office time with data, on %(covered)s days "
        "with data of the last %(days)s.",
        covered,
    ) % {
        "share": percent(closed, known),
        "hours": duration(known),
        "covered": covered,
        "days": len(days),
    }


def duration(seconds: int) -> str:
    """A length of time in words: "9 minutes", "41 hours"."""
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = round(seconds / 3600)
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
