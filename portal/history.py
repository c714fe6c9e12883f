"""How long each stage was closed during office hours, day by day, from status events.

``day_figures.stage_days`` is pure and the only source of the figures. Its output for
complete past days is stored in a daily roll-up (``StageDay``): ``office_history`` reads
those days from it and computes only the days it misses and today; ``fill_rollup`` (the
hourly task) stores every office's missing days, so that a page's read writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery

from offices.models import Office
from services.models import CurrentState, Stage, StatusEvent

from .day_figures import (
    DayFigure,
    OpeningHours,
    Transition,
    last_days,
    parse_opening_hours,
    rollup_basis,
    stage_days,
)
from .models import StageDay

__all__ = ["DayFigure", "Transition", "parse_opening_hours", "rollup_basis", "stage_days"]

DAYS = 90
FIGURE_FIELDS = ("office_seconds", "known_seconds", "closed_seconds", "unknown_seconds")


def office_history(
    office_code: str,
    stage_codes: Iterable[str],
    *,
    opening_hours: object,
    tz: ZoneInfo,
    now: datetime,
    days: int = DAYS,
    store: bool = True,
) -> dict[str, list[DayFigure]]:
    """Each stage's last ``days`` days at one office (today included).

    1. The complete past days are read from the roll-up, in one query.
    2. The days it misses, and today, are computed from the events since the earliest of
       them and the state before; with ``store``, the missing complete days are stored
       (the roll-up task does; a page's read does not write).
    """
    codes = list(stage_codes)
    hours = parse_opening_hours(opening_hours)
    basis = rollup_basis(hours, str(tz))
    window = last_days(now, tz, days)
    past, today = window[:-1], window[-1]
    stored = _stored_figures(office_code, codes, past, basis)
    # Each stage from its first complete day missing from the roll-up, else from today.
    firsts = {code: next((d for d in past if d not in stored[code]), today) for code in codes}
    start = datetime.combine(min(firsts.values(), default=today), time(), tz)
    transitions = load_transitions(office_code, codes, start)
    fresh = {
        code: [
            figure
            for figure in stage_days(transitions.get(code, []), hours, tz, first, today, now)
            if figure.day not in stored[code]
        ]
        for code, first in firsts.items()
    }
    if store:
        complete = {code: [f for f in fs if f.day < today] for code, fs in fresh.items()}
        _store(office_code, complete, basis)
    by_day = {code: {**stored[code], **{f.day: f for f in fresh[code]}} for code in codes}
    return {code: [by_day[code][day] for day in window] for code in codes}


def _stored_figures(
    office_code: str, codes: list[str], past: list[date], basis: str
) -> dict[str, dict[date, DayFigure]]:
    """The roll-up's figures for ``past`` days, by stage code and day."""
    found: dict[str, dict[date, DayFigure]] = {code: {} for code in codes}
    if not past or not codes:
        return found
    rows = StageDay.objects.filter(
        office__code=office_code,
        stage__code__in=codes,
        day__range=(past[0], past[-1]),
        basis=basis,
    )
    for code, day, *figures in rows.values_list("stage__code", "day", *FIGURE_FIELDS):
        found[code][day] = DayFigure(day, *figures)
    return found


def _store(office_code: str, figures: dict[str, list[DayFigure]], basis: str) -> None:
    """Add complete days' figures to the roll-up (an unknown office or stage is skipped)."""
    if not any(figures.values()):
        return
    office_id = Office.objects.filter(code=office_code).values_list("pk", flat=True).first()
    stage_ids = dict(Stage.objects.filter(code__in=figures).values_list("code", "pk"))
    if office_id is None:
        return
    _upsert(
        [
            _row(office_id, stage_ids[code], figure, basis)
            for code, days in figures.items()
            if code in stage_ids
            for figure in days
        ]
    )


def _row(office_id: int, stage_id: int, figure: DayFigure, basis: str) -> StageDay:
    return StageDay(office_id=office_id, stage_id=stage_id, basis=basis, **asdict(figure))


def _upsert(rows: list[StageDay]) -> None:
    # One statement on PostgreSQL (Django batches where the database needs it). A row left
    # by other hours is replaced; two fills racing write the same figures, and write them
    # in the same order, so they cannot deadlock.
    StageDay.objects.bulk_create(
        sorted(rows, key=lambda row: (row.office_id, row.stage_id, row.day)),
        update_conflicts=True,
        unique_fields=["office", "stage", "day"],
        update_fields=["basis", *FIGURE_FIELDS],
    )


def load_transitions(
    office_code: str, stage_codes: Iterable[str], start: datetime
) -> dict[str, list[Transition]]:
    """Each stage's state at ``start`` and its transitions after, from ``StatusEvent`` rows."""
    codes = list(stage_codes)
    events = StatusEvent.objects.filter(office__code=office_code)
    before = (
        Stage.objects.filter(code__in=codes)
        .annotate(state_before=_state_before(events.filter(stage=OuterRef("pk")), start))
        .values_list("code", "state_before")
    )
    after = (
        events.filter(stage__code__in=codes, at__gte=start)
        .order_by("at", "id")
        .values_list("stage__code", "at", "new_state")
    )
    return {code: found for (code,), found in _transitions(before, after, start).items()}


def _state_before(events: QuerySet, moment: datetime) -> Subquery:
    """The state left by the latest of ``events`` before ``moment``; of simultaneous ones,
    the last written."""
    return Subquery(events.filter(at__lt=moment).order_by("-at", "-id").values("new_state")[:1])


def _transitions(
    before: Iterable[tuple], after: Iterable[tuple], start: datetime
) -> dict[tuple, list[Transition]]:
    """Transitions by key, from rows ``(*key, state at start)`` and ``(*key, at, state)``."""
    found: dict[tuple, list[Transition]] = defaultdict(list)
    for *key, state in before:
        if state is not None:  # None: no event before ``start``
            found[tuple(key)].append(Transition(start, state))
    for *key, at, state in after:
        found[tuple(key)].append(Transition(at, state))
    return found


def prune_rollup(now: datetime, days: int = DAYS) -> int:
    """Forget roll-up days older than any page shows (``days``, and one more for the time
    zones east of the server's); return how many rows went."""
    cutoff = (now - timedelta(days=days + 1)).date()
    deleted, _ = StageDay.objects.filter(day__lt=cutoff).delete()
    return deleted


# --- Filling the roll-up for every office ---------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """What one office's figures are computed with, and its complete days to store."""

    hours: OpeningHours
    tz: ZoneInfo
    basis: str
    days: list[date]


def fill_rollup(now: datetime, offices: QuerySet[Office] | None = None, days: int = DAYS) -> int:
    """Store the complete days of the last ``days`` that the roll-up misses, for every stage
    each office lists; return the number of rows written.

    A fixed number of queries whatever the number of offices:
    1. the offices' hours and time zones;
    2. the stages each office lists, and the run of days the roll-up holds for each;
    3. each state at the earliest missing day, and the events since;
    4. the missing days, in one upsert.
    """
    rows = (offices if offices is not None else Office.objects.all()).values_list(
        "pk", "opening_hours", "timezone"
    )
    calendars = {pk: _calendar(raw, tz_name, now, days) for pk, raw, tz_name in rows}
    missing = _missing_days({pk: c for pk, c in calendars.items() if c.days})
    if not missing:
        return 0
    start = min(datetime.combine(d[0], time(), calendars[o].tz) for (o, _), d in missing.items())
    transitions = _office_transitions({office for office, _ in missing}, start)
    new = []
    for (office, stage), wanted in missing.items():
        calendar, keep = calendars[office], set(wanted)
        found = transitions.get((office, stage), [])
        figures = stage_days(found, calendar.hours, calendar.tz, wanted[0], wanted[-1], now)
        new += [_row(office, stage, f, calendar.basis) for f in figures if f.day in keep]
    _upsert(new)
    return len(new)


def _calendar(raw_hours: object, tz_name: str, now: datetime, days: int) -> _Calendar:
    hours, tz = parse_opening_hours(raw_hours), ZoneInfo(tz_name)
    complete = last_days(now, tz, days)[:-1]
    return _Calendar(hours, tz, rollup_basis(hours, tz_name), complete)


def _missing_days(calendars: dict[int, _Calendar]) -> dict[tuple[int, int], list[date]]:
    """Per (office id, stage id) listed, the complete days the roll-up lacks, oldest first."""
    pairs = CurrentState.objects.filter(office_id__in=calendars, stage__isnull=False)
    runs = _stored_runs(calendars)
    missing = {}
    for office, stage in pairs.values_list("office_id", "stage_id"):
        days = calendars[office].days
        first, last, count = runs.get((office, stage), (None, None, 0))
        if count and count == (last - first).days + 1:  # no gap: only the ends can be missing
            days = [d for d in days if not first <= d <= last]
        if days:
            missing[office, stage] = days
    return missing


def _stored_runs(calendars: dict[int, _Calendar]) -> dict[tuple[int, int], tuple]:
    """Per (office id, stage id): first day, last day and number of days the roll-up holds
    within the office's window, under the office's current basis."""
    by_window: dict[tuple[date, date, str], list[int]] = defaultdict(list)
    for pk, c in calendars.items():
        by_window[c.days[0], c.days[-1], c.basis].append(pk)
    match = Q()
    for (first, last, basis), ids in by_window.items():
        match |= Q(office_id__in=ids, day__range=(first, last), basis=basis)
    if not match:
        return {}
    rows = (
        StageDay.objects.filter(match)
        .values("office_id", "stage_id")
        .annotate(first=Min("day"), last=Max("day"), count=Count("*"))
        .values_list("office_id", "stage_id", "first", "last", "count")
    )
    return {(office, stage): (first, last, count) for office, stage, first, last, count in rows}


def _office_transitions(office_ids: set[int], start: datetime) -> dict[tuple, list[Transition]]:
    """Transitions by (office id, stage id) from ``start``, for the stages each office lists."""
    events = StatusEvent.objects.filter(
        office_id=OuterRef("office_id"), stage_id=OuterRef("stage_id")
    )
    before = (
        CurrentState.objects.filter(office_id__in=office_ids, stage__isnull=False)
        .annotate(state_before=_state_before(events, start))
        .values_list("office_id", "stage_id", "state_before")
    )
    after = (
        StatusEvent.objects.filter(office_id__in=office_ids, stage__isnull=False, at__gte=start)
        .order_by("at", "id")
        .values_list("office_id", "stage_id", "at", "new_state")
    )
    return _transitions(before, after, start)


def forget_stale_days(office: Office) -> int:
    """Delete the office's roll-up rows computed under other opening hours or time zone."""
    basis = rollup_basis(parse_opening_hours(office.opening_hours), office.timezone)
    deleted, _ = StageDay.objects.filter(office=office).exclude(basis=basis).delete()
    return deleted
