"""Presentation of states, dates and times for the public pages (WIB, Indonesian style)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import template
from django.db.models import Choices
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from services.states import State, SystemState, VisitorState

register = template.Library()

WIB = ZoneInfo("Asia/Jakarta")
DAY_FORMAT = "l, j F Y"
WAITING, HELD = VisitorState.WAITING, VisitorState.HELD


def shown_state(state: str, kind: str = "") -> State:
    """The state a visitor is shown; ``kind="system"`` for an upstream system's."""
    table = SystemState if kind == "system" else VisitorState
    return table.lookup(state) or table.UNKNOWN


def state_word(state: str, kind: str = "") -> str:
    """The public word for a state in the active language."""
    return shown_state(state, kind).label(get_language())


def choice_label(choices: type[Choices], value: str) -> str:
    """A choice's label in the active language, or the raw value when it is not a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def as_datetime(value: datetime | str | None) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string; None when it is neither."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=WIB)


def clock_format() -> str:
    """The time-of-day format of the active language ("H.i" in Indonesian)."""
    return pgettext("time of day, PHP-style date format", "H:i")


def format_day(value: date) -> str:
    """A day in words: "Jumat, 21 Juni 2024"."""
    return dateformat.format(value, DAY_FORMAT)


def format_clock(value: datetime | time) -> str:
    """A time of day: "08.00" in Indonesian, "08:00" in English."""
    return dateformat.time_format(value, clock_format())


def format_datetime(value: datetime | str | None) -> str:
    """A moment in WIB: "Jumat, 21 Juni 2024 pukul 08.00 WIB" ("" when there is none)."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    local = timezone.localtime(moment, WIB)
    return _("%(date)s at %(time)s WIB") % {"date": format_day(local), "time": format_clock(local)}


def datetime_pattern() -> str:
    """``format_datetime``'s shape with named slots, for the page script to fill in."""
    clock = clock_format().replace("H", "{hour}").replace("i", "{minute}")
    return _("%(date)s at %(time)s WIB") % {
        "date": "{weekday}, {day} {month} {year}",
        "time": clock,
    }


# --- Words in sentences -----------------------------------------------------------------


def sentence_case(text: str) -> str:
    """Lower a name's first letter for use inside a sentence, unless it is an acronym."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def join_words(words: Sequence[str]) -> str:
    """Join words as "a, b and c" in the active language."""
    if len(words) <= 1:
        return "".join(words)
    return _("%(items)s and %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}


def system_label(name: str) -> str:
    """A system's short name for sentences: "PDN (Pusat Data Nasional)" → "PDN"."""
    return sentence_case(name.split(" (")[0])


register.filter("wib", format_datetime)


@register.filter
def iso(value: datetime | str | None) -> str:
    """A machine-readable moment for ``<time datetime>``."""
    moment = as_datetime(value)
    return timezone.localtime(moment, WIB).isoformat() if moment else ""


@register.inclusion_tag("portal/_badge.html")
def badge(state: str, kind: str = "", word: str = "", unconfirmed: bool = False) -> dict:
    """An icon and a word for a state (words, not colours: DESIGN.md §3); ``word`` says it
    more precisely, ``unconfirmed`` marks a last known state."""
    shown = shown_state(state, kind)
    return {
        "state": shown.value,
        "word": word or shown.label(get_language()),
        "icon": shown.icon.value,
        "tone": shown.tone.value,
        "unconfirmed": unconfirmed,
    }


@register.simple_tag
def change_said(thing: str, office: str, state: str) -> str:
    """What the live region says when ``thing`` at ``office`` turns ``state``."""
    if state == VisitorState.UNKNOWN:
        return _("%(thing)s at %(office)s can no longer be confirmed") % {
            "thing": thing,
            "office": office,
        }
    return _("%(thing)s at %(office)s is now %(state)s") % {
        "thing": thing,
        "office": office,
        "state": state_word(state).lower(),
    }


@register.filter
def held_word(name: str) -> str:
    """The badge word of a stage that is open but waits for ``name``."""
    return _("Waiting for %(stage)s") % {"stage": sentence_case(name)}


@register.filter
def id_term(text: str) -> SafeString:
    """An Indonesian name on an English page, marked as Indonesian for screen readers."""
    if get_language() == "id":
        return conditional_escape(text)
    return format_html('<span lang="id">{}</span>', text)


@register.filter
def id_terms(text: str, terms: Sequence[str]) -> SafeString:
    """``text`` escaped, with the Indonesian ``terms`` in it marked lang="id" on an English
    page (system names inside English sentences)."""
    escaped = conditional_escape(text)
    if get_language() == "id" or not terms:
        return escaped
    words = sorted({conditional_escape(t) for t in terms if t}, key=len, reverse=True)
    pattern = "|".join(re.escape(w) for w in words)
    return mark_safe(re.sub(f"({pattern})", r'<span lang="id">\1</span>', escaped))


@register.filter
def get_item(mapping: dict, key: str) -> object:
    """``mapping[key]`` in a template ("" when missing)."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
