"""A stage's day-by-day figures from its transitions and the office's opening hours.

Pure: transitions and opening hours in, one ``DayFigure`` per local day out; no database.
``history`` reads the transitions and keeps the daily roll-up of these figures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from offices.models import WEEKDAY_KEYS
from services.choices import StageState

Span = tuple[time, time]
OpeningHours = dict[int, tuple[Span, ...]]  # weekday (0 = Monday) -> opening spans


@dataclass(frozen=True)
class Transition:
    """From ``at`` on, a stage was in ``state`` ("" = no longer listed at the office)."""

    at: datetime
    state: str


@dataclass(frozen=True)
class DayFigure:
    """One day of one stage: office time, and how much of it was recorded, closed or unknown."""

    day: date
    office_seconds: int  # scheduled office time (today: up to now)
    known_seconds: int  # of which the stage's state was recorded
    closed_seconds: int
    unknown_seconds: int

    @property
    def closed_share(self) -> float | None:
        """Share of the recorded office time the stage was closed; None without records."""
        return self.closed_seconds / self.known_seconds if self.known_seconds else None


@dataclass(frozen=True)
class _Interval:
    start: datetime
    end: datetime
    state: str


def parse_opening_hours(raw: object) -> OpeningHours:
    """Opening hours by weekday from ``Office.opening_hours``; malformed entries are left out.

    A day is ``["08:00", "16:00"]`` or a list of such pairs (for a midday break).
    """
    if not isinstance(raw, Mapping):
        return {}
    spans = {weekday: _spans(raw.get(key)) for weekday, key in enumerate(WEEKDAY_KEYS)}
    return {weekday: found for weekday, found in spans.items() if found}


def _spans(value: object) -> tuple[Span, ...]:
    if not isinstance(value, list | tuple):
        return ()
    pairs = [value] if all(isinstance(item, str) for item in value) else value
    spans = []
    for pair in pairs:
        try:
            start, end = (time.fromisoformat(part) for part in pair)
        except (TypeError, ValueError):
            continue
        if start < end:
            spans.append((start, end))
    return tuple(sorted(spans))


def stage_days(
    transitions: Sequence[Transition],
    hours: OpeningHours,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[DayFigure]:
    """One figure per local day from ``first_day`` to ``last_day``, counting up to ``now``."""
    intervals = _intervals(transitions, now)
    return [
        _figure(day, _office_spans(day, hours, tz, now), intervals)
        for day in days_between(first_day, last_day)
    ]


def _intervals(transitions: Sequence[Transition], now: datetime) -> list[_Interval]:
    """The recorded states as back-to-back intervals ending at ``now``."""
    ordered = sorted(transitions, key=lambda t: t.at)
    ends = [t.at for t in ordered[1:]] + [now] if ordered else []
    return [
        _Interval(t.at, min(end, now), t.state)
        for t, end in zip(ordered, ends, strict=True)
        if t.state and t.at < min(end, now)
    ]


def _office_spans(
    day: date, hours: OpeningHours, tz: ZoneInfo, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The day's opening spans as moments, cut at ``now``."""
    moments = (
        (datetime.combine(day, start, tz), min(datetime.combine(day, end, tz), now))
        for start, end in hours.get(day.weekday(), ())
    )
    return [(begin, finish) for begin, finish in moments if begin < finish]


def _figure(
    day: date, spans: Iterable[tuple[datetime, datetime]], intervals: Sequence[_Interval]
) -> DayFigure:
    office = known = closed = unknown = 0.0
    for begin, finish in spans:
        office += (finish - begin).total_seconds()
        for interval in intervals:
            overlap = (min(finish, interval.end) - max(begin, interval.start)).total_seconds()
            if overlap <= 0:
                continue
            known += overlap
            if interval.state == StageState.CLOSED:
                closed += overlap
            elif interval.state == StageState.UNKNOWN:
                unknown += overlap
    return DayFigure(day, int(office), int(known), int(closed), int(unknown))


def rollup_basis(hours: OpeningHours, tz_name: str) -> str:
    """A digest of what a day's figures depend on besides the events."""
    return hashlib.sha256(repr((tz_name, sorted(hours.items()))).encode()).hexdigest()[:16]


def days_between(first: date, last: date) -> list[date]:
    """``first`` to ``last``, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def last_days(now: datetime, tz: ZoneInfo, days: int) -> list[date]:
    """The ``days`` local days ending with today in ``tz``."""
    today = now.astimezone(tz).date()
    return days_between(today - timedelta(days=days - 1), today)
