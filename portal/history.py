"""How long each stage was closed during office hours, day by day, from status events.

``stage_days`` is pure (transitions and opening hours in, one ``DayFigure`` per day out), so
the same figures can later be stored in and served from a daily roll-up; ``office_history``
reads one office's events and applies it to each stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet

from services.choices import StageState
from services.models import StatusEvent

DAYS = 90
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

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
    hours: OpeningHours = {}
    for weekday, key in enumerate(WEEKDAY_KEYS):
        spans = _spans(raw.get(key))
        if spans:
            hours[weekday] = spans
    return hours


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
    figures = []
    day = first_day
    while day <= last_day:
        figures.append(_figure(day, _office_spans(day, hours, tz, now), intervals))
        day += timedelta(days=1)
    return figures


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
    spans = []
    for start, end in hours.get(day.weekday(), ()):
        begin = datetime.combine(day, start, tz)
        finish = min(datetime.combine(day, end, tz), now)
        if begin < finish:
            spans.append((begin, finish))
    return spans


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


def office_history(
    office_code: str,
    stage_codes: Iterable[str],
    *,
    opening_hours: object,
    tz: ZoneInfo,
    now: datetime,
    days: int = DAYS,
) -> dict[str, list[DayFigure]]:
    """Each stage's last ``days`` days at one office (today included), from its events."""
    last_day = now.astimezone(tz).date()
    first_day = last_day - timedelta(days=days - 1)
    transitions = load_transitions(office_code, datetime.combine(first_day, time(), tz))
    hours = parse_opening_hours(opening_hours)
    return {
        code: stage_days(transitions.get(code, []), hours, tz, first_day, last_day, now)
        for code in stage_codes
    }


def load_transitions(office_code: str, start: datetime) -> dict[str, list[Transition]]:
    """Each stage's state at ``start`` and its transitions after, from ``StatusEvent`` rows."""
    events = StatusEvent.objects.filter(office__code=office_code, stage__isnull=False)
    found: dict[str, list[Transition]] = defaultdict(list)
    for code, state in _states_before(events, start).items():
        found[code].append(Transition(start, state))
    rows = events.filter(at__gte=start).order_by("at", "id")
    for code, at, state in rows.values_list("stage__code", "at", "new_state"):
        found[code].append(Transition(at, state))
    return dict(found)


def _states_before(events: QuerySet, moment: datetime) -> dict[str, str]:
    """Each stage's state just before ``moment``: its latest earlier event's new state."""
    latest = events.filter(at__lt=moment).values("stage_id").annotate(last=Max("at"))
    match = Q()
    for row in latest:
        match |= Q(stage_id=row["stage_id"], at=row["last"])
    if not match:
        return {}
    states: dict[str, str] = {}
    # Several events at the same instant: the last written wins.
    for code, state in (
        events.filter(match).order_by("at", "id").values_list("stage__code", "new_state")
    ):
        states[code] = state
    return states
