"""Per-day closed share of office hours, from hand-made transitions and from StatusEvent rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from offices.models import Office
from portal import history, office_details
from portal.history import DayFigure, Transition, parse_opening_hours, stage_days
from services.choices import Cause
from services.models import Stage, StatusEvent

WIB = ZoneInfo("Asia/Jakarta")
HOURS = parse_opening_hours({"mon": ["08:00", "16:00"], "fri": ["08:00", "16:30"]})
FRIDAY = date(2024, 6, 21)  # office 08.00–16.30: 8.5 hours
MONDAY = date(2024, 6, 24)
HOUR = 3600


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), WIB)


def one_day(transitions, day=FRIDAY, now=None) -> DayFigure:
    now = now or at(day + timedelta(days=1), 0)
    [figure] = stage_days(transitions, HOURS, WIB, day, day, now)
    return figure


def test_closed_all_office_hours():
    figure = one_day([Transition(at(FRIDAY, 0), "closed")])
    assert figure == DayFigure(FRIDAY, int(8.5 * HOUR), int(8.5 * HOUR), int(8.5 * HOUR), 0)
    assert figure.closed_share == 1


def test_only_office_hours_count():
    # Closed overnight, reopened at 10.00: two of the day's 8.5 office hours were closed.
    figure = one_day(
        [
            Transition(at(FRIDAY, 0) - timedelta(hours=6), "closed"),
            Transition(at(FRIDAY, 10), "open"),
        ]
    )
    assert figure.closed_seconds == 2 * HOUR
    assert figure.closed_share == pytest.approx(2 / 8.5)


def test_closings_outside_office_hours_do_not_count():
    figure = one_day([Transition(at(FRIDAY, 17), "closed"), Transition(at(FRIDAY, 7), "open")])
    assert figure.closed_seconds == 0 and figure.known_seconds == int(8.5 * HOUR)


def test_several_closings_in_one_day_add_up():
    figure = one_day(
        [
            Transition(at(FRIDAY, 8), "open"),
            Transition(at(FRIDAY, 9), "closed"),
            Transition(at(FRIDAY, 9, 30), "open"),
            Transition(at(FRIDAY, 15), "closed"),
            Transition(at(FRIDAY, 15, 45), "open"),
        ]
    )
    assert figure.closed_seconds == 75 * 60


def test_unknown_time_is_counted_apart_from_closed_time():
    figure = one_day(
        [
            Transition(at(FRIDAY, 8), "open"),
            Transition(at(FRIDAY, 12), "unknown"),
            Transition(at(FRIDAY, 13), "open"),
        ]
    )
    assert figure.unknown_seconds == HOUR and figure.closed_seconds == 0


def test_time_before_the_first_event_has_no_data():
    figure = one_day([Transition(at(FRIDAY, 12), "closed")])
    assert figure.known_seconds == int(4.5 * HOUR)
    assert figure.closed_share == 1


def test_a_day_without_events_or_office_hours():
    assert one_day([]).known_seconds == 0 and one_day([]).closed_share is None
    saturday = one_day([Transition(at(FRIDAY, 0), "closed")], day=FRIDAY + timedelta(days=1))
    assert saturday.office_seconds == 0


def test_a_stage_no_longer_listed_has_no_data_afterwards():
    figure = one_day([Transition(at(FRIDAY, 8), "closed"), Transition(at(FRIDAY, 10), "")])
    assert figure.known_seconds == 2 * HOUR and figure.closed_seconds == 2 * HOUR


def test_today_counts_only_up_to_now():
    figure = one_day([Transition(at(FRIDAY, 0), "closed")], now=at(FRIDAY, 11))
    assert figure.office_seconds == 3 * HOUR and figure.closed_seconds == 3 * HOUR


def test_days_run_oldest_first_and_include_empty_ones():
    figures = stage_days(
        [Transition(at(FRIDAY, 12), "closed"), Transition(at(MONDAY, 12), "open")],
        HOURS,
        WIB,
        FRIDAY,
        MONDAY,
        at(MONDAY, 18),
    )
    assert [f.day for f in figures] == [FRIDAY + timedelta(days=i) for i in range(4)]
    assert [f.closed_seconds for f in figures] == [int(4.5 * HOUR), 0, 0, 4 * HOUR]
    assert [f.office_seconds for f in figures] == [int(8.5 * HOUR), 0, 0, 8 * HOUR]


def test_a_midday_break_is_not_office_time():
    hours = parse_opening_hours({"fri": [["08:00", "11:30"], ["13:30", "16:30"]]})
    [figure] = stage_days(
        [Transition(at(FRIDAY, 0), "closed")], hours, WIB, FRIDAY, FRIDAY, at(MONDAY, 0)
    )
    assert figure.office_seconds == int(6.5 * HOUR)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"mon": ["08:00", "16:00"]}, {0: ((time(8), time(16)),)}),
        (
            {"sun": [["13:00", "15:00"], ["08:00", "12:00"]]},
            {6: ((time(8), time(12)), (time(13), time(15)))},
        ),
        ({"mon": "08:00-16:00", "tue": ["16:00", "08:00"], "wed": [], "thu": [1, 2]}, {}),
        ({"fri": [["08:00", "12:00"], "junk", ["x", "y"]]}, {4: ((time(8), time(12)),)}),
        ("not a mapping", {}),
        (None, {}),
    ],
)
def test_opening_hours_are_parsed_leniently(raw, expected):
    assert parse_opening_hours(raw) == expected


# --- Bars in words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "level", "words"),
    [
        (DayFigure(FRIDAY, 0, 0, 0, 0), "off", "Jumat, 21 Juni 2024: tidak ada jam layanan"),
        (DayFigure(FRIDAY, 100, 0, 0, 0), "none", "Jumat, 21 Juni 2024: belum ada data"),
        (DayFigure(FRIDAY, 100, 100, 0, 0), "c0", "Jumat, 21 Juni 2024: tutup 0% dari jam layanan"),
        # The closed part is drawn at its share, in 5 % steps: 7 % is not drawn as a quarter.
        (DayFigure(FRIDAY, 100, 100, 7, 0), "c1", "tutup 7% dari jam layanan"),
        (DayFigure(FRIDAY, 100, 100, 20, 0), "c4", "tutup 20% dari jam layanan"),
        (DayFigure(FRIDAY, 100, 100, 45, 0), "c9", "tutup 45% dari jam layanan"),
        (DayFigure(FRIDAY, 100, 100, 75, 0), "c15", "tutup 75% dari jam layanan"),
        (DayFigure(FRIDAY, 100, 100, 99, 0), "c19", "tutup 99% dari jam layanan"),
        (DayFigure(FRIDAY, 100, 100, 100, 0), "c20", "tutup 100% dari jam layanan"),
        (DayFigure(FRIDAY, 1000, 1000, 1, 0), "c1", "tutup <1% dari jam layanan"),
        (
            DayFigure(FRIDAY, 100, 100, 0, 30),
            "unk",
            "tutup 0% dari jam layanan; belum dapat dipastikan 30%",
        ),
    ],
)
def test_each_day_is_a_shade_and_a_sentence(figure, level, words):
    from django.utils import translation

    with translation.override("id"):
        bar = office_details.history_bar(figure)
    assert bar.level == level
    assert words in bar.text


def figure_days(*figures: tuple[int, int]) -> list[DayFigure]:
    """Days with (known seconds, closed seconds), the rest of 90 days without data."""
    days = [DayFigure(FRIDAY, 8 * HOUR, known, closed, 0) for known, closed in figures]
    return [DayFigure(FRIDAY, 8 * HOUR, 0, 0, 0)] * (history.DAYS - len(days)) + days


@pytest.mark.parametrize(
    ("days", "words"),
    [
        # Nine minutes of data: the share is of those minutes, and the sentence says so.
        (
            figure_days((9 * 60, 2 * 60)),
            "Tutup 22% dari 9 menit waktu layanan yang tercatat, pada 1 hari dengan data dari "
            "90 hari terakhir.",
        ),
        (
            figure_days((8 * HOUR, 0), (8 * HOUR, 4 * HOUR)),
            "Tutup 25% dari 16 jam waktu layanan yang tercatat, pada 2 hari dengan data dari "
            "90 hari terakhir.",
        ),
        (figure_days(), "Belum ada data untuk 90 hari terakhir."),
    ],
)
def test_the_summary_counts_only_the_office_hours_with_data(days, words):
    from django.utils import translation

    with translation.override("id"):
        assert office_details.history_summary(days) == words


# --- From StatusEvent rows ------------------------------------------------------------------


@pytest.mark.django_db
def test_office_history_reads_the_office_events():
    office = Office.objects.get(code="muara-enim")
    printing = Stage.objects.get(code="printing")
    interview = Stage.objects.get(code="interview")
    now = at(MONDAY, 12)

    def event(stage, old, new, when, office=office):
        StatusEvent.objects.create(
            office=office, stage=stage, old_state=old, new_state=new, cause=Cause.SYSTEM, at=when
        )

    # Printing closed since long before the 90 days, reopened Friday 12.00.
    event(printing, "", "open", now - timedelta(days=200))
    event(printing, "open", "closed", now - timedelta(days=120))
    event(printing, "closed", "open", at(FRIDAY, 12))
    # Interview closed on Monday at 10.00; another office's events do not count.
    event(interview, "", "open", now - timedelta(days=100))
    event(interview, "open", "closed", at(MONDAY, 10))
    event(interview, "open", "closed", at(FRIDAY, 8), office=Office.objects.get(code="palembang"))

    result = history.office_history(
        "muara-enim",
        ["interview", "printing", "photo"],
        opening_hours={"mon": ["08:00", "16:00"], "fri": ["08:00", "16:30"]},
        tz=WIB,
        now=now,
    )
    assert set(result) == {"interview", "printing", "photo"}
    assert all(len(days) == history.DAYS for days in result.values())
    assert result["printing"][0].day == MONDAY - timedelta(days=89)
    assert result["printing"][-1].day == MONDAY
    friday, monday = result["printing"][-4], result["printing"][-1]
    assert friday.day == FRIDAY and friday.closed_seconds == 4 * HOUR
    assert monday.closed_seconds == 0 and monday.known_seconds == 4 * HOUR
    assert result["printing"][-11].closed_share == 1  # the Friday before: closed all day
    assert result["interview"][-4].closed_seconds == 0
    assert result["interview"][-1].closed_seconds == 2 * HOUR
    assert all(d.known_seconds == 0 for d in result["photo"])


@pytest.mark.django_db
def test_simultaneous_events_before_the_window_resolve_to_the_last_written():
    office = Office.objects.get(code="palembang")
    stage = Stage.objects.get(code="photo")
    now = at(MONDAY, 12)
    moment = now - timedelta(days=95)
    for old, new in (("", "open"), ("open", "closed")):
        StatusEvent.objects.create(
            office=office, stage=stage, old_state=old, new_state=new, cause=Cause.SYSTEM, at=moment
        )
    result = history.office_history(
        "palembang", ["photo"], opening_hours={"mon": ["08:00", "16:00"]}, tz=WIB, now=now
    )
    assert result["photo"][-1].closed_seconds == 4 * HOUR
