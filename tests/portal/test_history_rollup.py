"""History bars through the daily roll-up: the figures straight from events, in fewer queries."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offices.models import Office, default_opening_hours
from portal import history
from portal.history import DAYS, DayFigure, Transition, parse_opening_hours, stage_days
from portal.models import StageDay
from portal.tasks import rollup_history_task
from services.choices import Cause
from services.models import CurrentState, Stage, StatusEvent
from services.snapshot import recompute

pytestmark = pytest.mark.django_db

MONDAY = date(2024, 6, 24)
NOW = datetime.combine(MONDAY, time(12), ZoneInfo("Asia/Jakarta"))
WEEKDAYS = default_opening_hours()  # closed at the weekend
EVERY_DAY = {day: ["07:30", "15:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MIDDAY_BREAK = {"mon": [["08:00", "12:00"], ["13:00", "16:00"]], "sat": ["09:00", "12:00"]}
STAGES = ["interview", "photo", "printing"]


def from_events(
    office: Office, codes: list[str], now: datetime, days: int = DAYS
) -> dict[str, list[DayFigure]]:
    """The figures as they were computed before the roll-up: every event, every day."""
    tz = ZoneInfo(office.timezone)
    last = now.astimezone(tz).date()
    found: dict[str, list[Transition]] = defaultdict(list)
    rows = StatusEvent.objects.filter(office=office, stage__code__in=codes).order_by("at", "id")
    for code, at, state in rows.values_list("stage__code", "at", "new_state"):
        found[code].append(Transition(at, state))
    hours = parse_opening_hours(office.opening_hours)
    first = last - timedelta(days=days - 1)
    return {code: stage_days(found[code], hours, tz, first, last, now) for code in codes}


def through_rollup(
    office: Office, codes: list[str], now: datetime, days: int = DAYS
) -> dict[str, list[DayFigure]]:
    """What the office page asks for, with the office's own hours and time zone."""
    return history.office_history(
        office.code,
        codes,
        opening_hours=office.opening_hours,
        tz=ZoneInfo(office.timezone),
        now=now,
        days=days,
    )


def make_office(hours: dict = WEEKDAYS, tz: str = "Asia/Jakarta") -> Office:
    office = Office.objects.get(code="muara-enim")
    office.opening_hours, office.timezone = hours, tz
    office.save()
    return office


def write(office: Office, code: str, days_back: int, clock: str, state: str) -> None:
    """An event at a local time of the office, ``days_back`` days before ``MONDAY``."""
    moment = datetime.combine(
        MONDAY - timedelta(days=days_back), time.fromisoformat(clock), ZoneInfo(office.timezone)
    )
    StatusEvent.objects.create(
        office=office,
        stage=Stage.objects.get(code=code),
        new_state=state,
        cause=Cause.SYSTEM,
        at=moment,
    )


def list_stages(office: Office, codes: list[str]) -> None:
    """The stages the office lists now (what the task fills the roll-up for)."""
    for code in codes:
        CurrentState.objects.create(
            office=office, stage=Stage.objects.get(code=code), state="open", since=NOW
        )


def upsert_statements(rows: int) -> int:
    """Statements one bulk upsert of ``rows`` roll-up rows takes on this database.

    PostgreSQL takes one. SQLite caps the parameters of a statement (999 in Django's
    reckoning), so Django splits the upsert into batches of that many parameters.
    """
    fields = [StageDay._meta.get_field(name) for name in ("office", "stage", "day", "basis")]
    fields += [StageDay._meta.get_field(name) for name in history.FIGURE_FIELDS]
    batch = connection.ops.bulk_batch_size(fields, [None] * rows)
    return -(-rows // batch)


def writes(captured: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(verbs)]


# (stage, days before MONDAY, local clock, new state); MONDAY 12.00 WIB is "now".
SCENARIOS = {
    "closed-across-midnight": (
        WEEKDAYS,
        "Asia/Jakarta",
        [
            ("printing", 120, "00:00", "open"),
            ("printing", 4, "14:00", "closed"),  # Thursday afternoon to Friday 10.00
            ("printing", 3, "10:00", "open"),
            ("photo", 50, "23:30", "closed"),
            ("photo", 49, "08:45", "open"),
        ],
    ),
    "closed-on-weekends-outage-over-a-weekend": (
        WEEKDAYS,
        "Asia/Jakarta",
        [
            ("interview", 95, "08:00", "open"),
            ("interview", 3, "15:00", "closed"),  # Friday 15.00 to Monday 09.00
            ("interview", 0, "09:00", "open"),
            ("printing", 9, "10:00", "closed"),  # Saturday only: no office time
            ("printing", 8, "18:00", "open"),
        ],
    ),
    "stage-removed-and-listed-again": (
        WEEKDAYS,
        "Asia/Jakarta",
        [
            ("photo", 80, "09:00", "open"),
            ("photo", 60, "11:00", ""),
            ("photo", 20, "13:00", "closed"),
            ("photo", 19, "13:00", "open"),
            ("printing", 100, "09:00", "closed"),
            ("printing", 95, "12:00", ""),  # gone before the window and never back
        ],
    ),
    "unknown-periods": (
        EVERY_DAY,
        "Asia/Jakarta",
        [
            ("interview", 89, "00:00", "open"),
            ("interview", 30, "10:00", "unknown"),
            ("interview", 29, "09:00", "closed"),
            ("interview", 29, "11:00", "open"),
            ("printing", 2, "14:00", "unknown"),  # unknown until now, across two midnights
        ],
    ),
    "other-time-zone-and-a-midday-break": (
        MIDDAY_BREAK,
        "Asia/Jayapura",  # WIT: 14.00 local at "now"
        [
            ("interview", 40, "12:30", "closed"),
            ("interview", 33, "12:30", "open"),
            ("printing", 1, "23:59", "closed"),
            ("printing", 0, "08:30", "open"),
            ("printing", 0, "13:30", "closed"),
        ],
    ),
    "simultaneous-events-and-events-after-now": (
        WEEKDAYS,
        "Asia/Jakarta",
        [
            ("photo", 100, "09:00", "open"),
            ("photo", 100, "09:00", "closed"),  # the last written wins
            ("photo", 10, "10:00", "open"),
            ("photo", 10, "10:00", "unknown"),
            ("photo", 10, "11:00", "open"),
            ("interview", 0, "15:00", "closed"),  # later than "now": not counted yet
        ],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_rollup_figures_equal_the_figures_from_events(scenario):
    hours, tz, events = scenario
    office = make_office(hours, tz)
    for event in events:
        write(office, *event)

    expected = from_events(office, STAGES, NOW)
    assert through_rollup(office, STAGES, NOW) == expected  # cold: computed and stored
    assert StageDay.objects.filter(office=office).count() == len(STAGES) * (DAYS - 1)
    assert through_rollup(office, STAGES, NOW) == expected  # warm: read back

    # Days later, the roll-up holds part of the window: the rest comes from events.
    later = NOW + timedelta(days=3, hours=5)
    assert through_rollup(office, STAGES, later) == from_events(office, STAGES, later)


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_figures_filled_by_the_task_equal_the_figures_from_events(scenario):
    hours, tz, events = scenario
    office = make_office(hours, tz)
    list_stages(office, STAGES)
    for event in events:
        write(office, *event)

    assert history.fill_rollup(NOW) == len(STAGES) * (DAYS - 1)
    with CaptureQueriesContext(connection) as captured:
        figures = through_rollup(office, STAGES, NOW)
    assert writes(captured) == []
    assert figures == from_events(office, STAGES, NOW)


def test_a_stage_without_events_has_office_time_and_no_records():
    office = make_office()
    [figures] = through_rollup(office, ["photo"], NOW).values()
    assert len(figures) == DAYS
    assert all(f.known_seconds == 0 for f in figures)
    assert figures[-1] == DayFigure(MONDAY, 4 * 3600, 0, 0, 0)
    assert through_rollup(office, ["photo"], NOW) == {"photo": figures}


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, DAYS, 365])
def test_a_warm_read_costs_three_queries_whatever_the_number_of_days(
    days, django_assert_num_queries
):
    office = make_office()
    for code in STAGES:
        write(office, code, 400, "09:00", "open")
        write(office, code, 5, "09:00", "closed")
    write(office, "printing", 0, "09:00", "open")
    cold = through_rollup(office, STAGES, NOW, days)
    rows = StageDay.objects.count()

    # The stored days, each stage's state at midnight, and today's events.
    with django_assert_num_queries(3) as captured:
        warm = through_rollup(office, STAGES, NOW, days)
    assert warm == cold == from_events(office, STAGES, NOW, days)
    assert writes(captured) == [] and StageDay.objects.count() == rows


def test_a_cold_read_costs_a_fixed_number_of_queries(django_assert_num_queries):
    office = make_office()
    write(office, "printing", 100, "09:00", "closed")
    rows = len(STAGES) * (DAYS - 1)
    # Stored days, states at the window's start, events, office id, stage ids, and the
    # upsert: one statement on PostgreSQL, one per parameter batch on SQLite (3 there).
    with django_assert_num_queries(5 + upsert_statements(rows)):
        through_rollup(office, STAGES, NOW)
    assert StageDay.objects.count() == rows


def test_the_fill_costs_the_same_queries_for_two_offices_as_for_twelve():
    recompute()

    def fill_queries() -> int:
        """The statements of one fill, less those of its upsert (which grow with the rows
        on SQLite, see ``upsert_statements``)."""
        StageDay.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            written = history.fill_rollup(timezone.now(), days=3)
        assert written > 0
        return len(captured) - upsert_statements(written)

    two = fill_queries()
    call_command("seed_demo", "--offices", "12", stdout=io.StringIO())
    assert Office.objects.count() == 12
    assert fill_queries() == two <= 5


# --- The task -------------------------------------------------------------------------------


def test_the_task_fills_yesterday_for_every_office_and_is_idempotent():
    recompute()
    pairs = set(CurrentState.objects.filter(stage__isnull=False).values_list("office", "stage"))
    assert {office for office, _ in pairs} == set(Office.objects.values_list("pk", flat=True))

    assert rollup_history_task() == len(pairs) * (DAYS - 1)
    yesterday = timezone.localdate() - timedelta(days=1)  # every seeded office is on WIB
    assert set(StageDay.objects.filter(day=yesterday).values_list("office", "stage")) == pairs
    stored = set(StageDay.objects.values_list("office", "stage", "day", "basis", "closed_seconds"))

    assert rollup_history_task() == 0
    assert set(
        StageDay.objects.values_list("office", "stage", "day", "basis", "closed_seconds")
    ) == (stored)


def test_the_next_day_the_task_adds_one_day_per_stage():
    office = make_office()
    list_stages(office, STAGES)
    write(office, "printing", 100, "09:00", "closed")
    history.fill_rollup(NOW)

    assert history.fill_rollup(NOW + timedelta(days=1)) == len(STAGES)
    assert StageDay.objects.filter(office=office, day=MONDAY).count() == len(STAGES)
    assert through_rollup(office, STAGES, NOW + timedelta(days=1, hours=2)) == from_events(
        office, STAGES, NOW + timedelta(days=1, hours=2)
    )


def test_the_task_forgets_days_no_page_shows_any_more():
    recompute()
    rollup_history_task()
    oldest = StageDay.objects.earliest("day").day
    office, stage = Office.objects.first(), Stage.objects.first()
    figures = dict.fromkeys(history.FIGURE_FIELDS, 0)
    for back in (DAYS + 2, DAYS + 30, 400):
        StageDay.objects.create(
            office=office, stage=stage, day=oldest - timedelta(days=back), basis="old", **figures
        )
    kept = StageDay.objects.filter(day__gte=oldest).count()

    rollup_history_task()
    assert StageDay.objects.filter(day__lt=oldest - timedelta(days=1)).count() == 0
    assert StageDay.objects.count() == kept


def test_the_beat_schedule_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["rollup-history"]
    assert entry["task"] == rollup_history_task.name


# --- Invalidation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"opening_hours": EVERY_DAY}, {"timezone": "Asia/Makassar"}],
    ids=["opening-hours", "time-zone"],
)
def test_changing_hours_or_time_zone_drops_the_rollup_and_the_next_read_is_right(change):
    office = make_office()
    other = Office.objects.get(code="palembang")
    for target in (office, other):
        write(target, "printing", 50, "09:00", "closed")
        write(target, "printing", 10, "22:00", "open")
    through_rollup(office, STAGES, NOW)
    through_rollup(other, STAGES, NOW)
    others = StageDay.objects.filter(office=other).count()

    office.name = "Kantor Imigrasi Kelas II Non TPI Muara Enim (renamed)"
    office.save()
    assert StageDay.objects.filter(office=office).count() == len(STAGES) * (DAYS - 1)

    for field, value in change.items():
        setattr(office, field, value)
    office.save()
    assert not StageDay.objects.filter(office=office).exists()
    assert StageDay.objects.filter(office=other).count() == others

    assert through_rollup(office, STAGES, NOW) == from_events(office, STAGES, NOW)


def test_rows_from_other_hours_are_not_trusted():
    """A caller holding newer hours than the office row (or older) still gets exact figures."""
    office = make_office()
    write(office, "printing", 50, "09:00", "closed")
    through_rollup(office, STAGES, NOW)

    Office.objects.filter(pk=office.pk).update(opening_hours=EVERY_DAY)  # no signal
    office.refresh_from_db()
    assert through_rollup(office, STAGES, NOW) == from_events(office, STAGES, NOW)
    assert history.fill_rollup(NOW) == 0  # nothing listed; the read already replaced them
    assert set(StageDay.objects.filter(office=office).values_list("basis", flat=True)) == {
        history.rollup_basis(parse_opening_hours(EVERY_DAY), office.timezone)
    }


# --- Today ----------------------------------------------------------------------------------


def test_today_reflects_an_event_written_a_moment_ago():
    office = make_office()
    write(office, "printing", 30, "09:00", "open")
    before = through_rollup(office, STAGES, NOW)
    assert before["printing"][-1].closed_seconds == 0

    StatusEvent.objects.create(
        office=office,
        stage=Stage.objects.get(code="printing"),
        new_state="closed",
        cause=Cause.SYSTEM,
        at=NOW,
    )
    after = through_rollup(office, STAGES, NOW + timedelta(minutes=45))
    assert after["printing"][-1].closed_seconds == 45 * 60
    assert after["printing"][:-1] == before["printing"][:-1]
    assert after == from_events(office, STAGES, NOW + timedelta(minutes=45))


# --- Demo data ------------------------------------------------------------------------------


def test_seed_demo_leaves_the_rollup_filled_and_consistent_with_its_events():
    call_command("seed_demo", "--offices", "5", stdout=io.StringIO())
    call_command("seed_demo", "--offices", "5", stdout=io.StringIO())  # rewrites the events
    now = timezone.now()
    for office in Office.objects.exclude(code__in=["palembang", "muara-enim"]):
        codes = list(
            CurrentState.objects.filter(office=office, stage__isnull=False).values_list(
                "stage__code", flat=True
            )
        )
        assert StageDay.objects.filter(office=office).count() == len(codes) * (DAYS - 1)
        with CaptureQueriesContext(connection) as captured:
            figures = through_rollup(office, codes, now)
        assert writes(captured) == []
        assert figures == from_events(office, codes, now)
        assert any(f.closed_seconds for days in figures.values() for f in days)
