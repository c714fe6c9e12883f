"""The gating engine, table-driven: every June 2024 phase, both offices, every stage and service."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.gating import (
    ClosureInput,
    OfficeInput,
    OverrideInput,
    RequirementInput,
    ServiceInput,
    StageInput,
    SystemInput,
    effective_status,
)

WIB = ZoneInfo("Asia/Jakarta")
STALE = timedelta(seconds=30)
PASSPORT = ("interview", "biometrics", "photo", "cekal-check", "printing")
BOTH = frozenset({"palembang", "muara-enim"})

OFFICES = [OfficeInput("palembang", tpi=True), OfficeInput("muara-enim", tpi=False)]
STAGES = [StageInput(code, i) for i, code in enumerate(PASSPORT, 1)] + [
    StageInput("border-check", 6, tpi_only=True)
]
REQUIREMENTS = [
    RequirementInput("interview", "pdn", "degraded"),
    RequirementInput("biometrics", "pdn", "degraded"),
    RequirementInput("photo", "pdn", "degraded"),
    RequirementInput("cekal-check", "pdn", "degraded"),
    RequirementInput("cekal-check", "cekal", "up"),
    RequirementInput("printing", "pdn", "up"),
    RequirementInput("printing", "cekal", "up"),
]
SERVICES = [
    ServiceInput("passport-regular", "progressive", PASSPORT, BOTH),
    ServiceInput("passport-express", "same_day", PASSPORT, BOTH),
    ServiceInput(
        "foreign-stay-permit", "progressive", ("biometrics", "cekal-check", "printing"), BOTH
    ),
    ServiceInput(
        "hajj-debarkation",
        "progressive",
        ("border-check",),
        frozenset({"palembang"}),
        date(2024, 6, 22),
        date(2024, 7, 15),
    ),
]
EXPRESS_CLOSED = OverrideInput(
    "palembang",
    "closed",
    "Percepatan dibuka kembali 1 Juli",
    service="passport-express",
    created_at=datetime(2024, 6, 28, 9, tzinfo=WIB),
    expires_at=datetime(2024, 7, 1, tzinfo=WIB),
)


def snapshot_at(now: datetime, pdn: str, cekal: str, overrides=(), closures=(), checked=None):
    checked = checked or now
    systems = [
        SystemInput("pdn", "PDN", pdn, checked_at=checked),
        SystemInput("cekal", "Cekal", cekal, checked_at=checked),
    ]
    return effective_status(
        offices=OFFICES,
        stages=STAGES,
        systems=systems,
        requirements=REQUIREMENTS,
        services=SERVICES,
        overrides=overrides,
        closures=closures,
        now=now,
        stale_after=STALE,
    )


O, C, U = "open", "closed", "unknown"  # noqa: E741
ALL_CLOSED = dict.fromkeys(PASSPORT, C)
# (phase, when, pdn, cekal, overrides, expected stages, expected services per office)
PHASES = [
    (
        "20 Jun: total stop",
        datetime(2024, 6, 20, 9, tzinfo=WIB),
        "down",
        "down",
        (),
        {"palembang": {**ALL_CLOSED, "border-check": O}, "muara-enim": ALL_CLOSED},
        {
            "palembang": {
                "passport-regular": (C, []),
                "passport-express": (C, []),
                "foreign-stay-permit": (C, []),
            },
            "muara-enim": {
                "passport-regular": (C, []),
                "passport-express": (C, []),
                "foreign-stay-permit": (C, []),
            },
        },
    ),
    (
        "21 Jun: partial reopening",
        datetime(2024, 6, 21, 8, tzinfo=WIB),
        "degraded",
        "down",
        (),
        {
            office: {"interview": O, "biometrics": O, "photo": O, "cekal-check": C, "printing": C}
            for office in BOTH
        },
        {
            office: {
                "passport-regular": ("partial", ["interview", "biometrics", "photo"]),
                "passport-express": (C, []),
                "foreign-stay-permit": ("partial", ["biometrics"]),
            }
            for office in BOTH
        },
    ),
    (
        "23 Jun: cekal back",
        datetime(2024, 6, 23, 9, tzinfo=WIB),
        "degraded",
        "up",
        (),
        {
            office: {"interview": O, "biometrics": O, "photo": O, "cekal-check": O, "printing": C}
            for office in BOTH
        },
        {
            office: {
                "passport-regular": (
                    "partial",
                    ["interview", "biometrics", "photo", "cekal-check"],
                ),
                "passport-express": (C, []),
                "foreign-stay-permit": ("partial", ["biometrics", "cekal-check"]),
            }
            for office in BOTH
        },
    ),
    (
        "28 Jun: printing back, express held at Palembang",
        datetime(2024, 6, 28, 10, tzinfo=WIB),
        "up",
        "up",
        (EXPRESS_CLOSED,),
        {office: dict.fromkeys(PASSPORT, O) for office in BOTH},
        {
            "palembang": {
                "passport-regular": (O, list(PASSPORT)),
                "passport-express": (C, []),
                "foreign-stay-permit": (O, ["biometrics", "cekal-check", "printing"]),
            },
            "muara-enim": {
                "passport-regular": (O, list(PASSPORT)),
                "passport-express": (O, list(PASSPORT)),
                "foreign-stay-permit": (O, ["biometrics", "cekal-check", "printing"]),
            },
        },
    ),
    (
        "1 Jul: express reopened (override expired)",
        datetime(2024, 7, 1, 8, tzinfo=WIB),
        "up",
        "up",
        (EXPRESS_CLOSED,),
        {office: dict.fromkeys(PASSPORT, O) for office in BOTH},
        {
            office: {
                "passport-regular": (O, list(PASSPORT)),
                "passport-express": (O, list(PASSPORT)),
                "foreign-stay-permit": (O, ["biometrics", "cekal-check", "printing"]),
            }
            for office in BOTH
        },
    ),
]


@pytest.mark.parametrize(
    ("when", "pdn", "cekal", "overrides", "stages", "services"),
    [p[1:] for p in PHASES],
    ids=[p[0] for p in PHASES],
)
def test_june_2024_phase(when, pdn, cekal, overrides, stages, services):
    snap = snapshot_at(when, pdn, cekal, overrides)
    for office_code, expected_stages in stages.items():
        office = snap.office(office_code)
        got = {s.code: s.state for s in office.stages if s.code != "border-check"}
        expected = {k: v for k, v in expected_stages.items() if k != "border-check"}
        assert got == expected, office_code
        for code, (state, available) in services[office_code].items():
            service = office.service(code)
            assert (service.state, list(service.available_stages)) == (state, available), (
                office_code,
                code,
            )


def test_border_check_only_at_tpi_offices():
    snap = snapshot_at(datetime(2024, 6, 20, 9, tzinfo=WIB), "down", "down")
    assert snap.office("palembang").stage("border-check").state == O
    assert "border-check" not in [s.code for s in snap.office("muara-enim").stages]


@pytest.mark.parametrize(
    ("when", "listed"),
    [
        (datetime(2024, 6, 21, 23, 59, tzinfo=WIB), False),
        (datetime(2024, 6, 22, 0, 0, tzinfo=WIB), True),
        (datetime(2024, 7, 15, 23, 59, tzinfo=WIB), True),
        (datetime(2024, 7, 16, 0, 0, tzinfo=WIB), False),
    ],
)
def test_hajj_debarkation_listed_only_in_season_and_at_palembang(when, listed):
    snap = snapshot_at(when, "down", "down")
    palembang = [s.code for s in snap.office("palembang").services]
    assert ("hajj-debarkation" in palembang) is listed
    assert "hajj-debarkation" not in [s.code for s in snap.office("muara-enim").services]
    if listed:  # manual stamps: served even with PDN down
        assert snap.office("palembang").service("hajj-debarkation").state == O


def test_printing_waits_for_cekal_and_says_so():
    snap = snapshot_at(datetime(2024, 6, 22, 9, tzinfo=WIB), "up", "down")
    printing = snap.office("palembang").stage("printing")
    assert (printing.state, printing.cause, printing.waiting_for) == (C, "system", ("cekal",))
    regular = snap.office("palembang").service("passport-regular")
    assert regular.waiting_stages == ("cekal-check", "printing")
    assert regular.blocked_stage == "cekal-check"


def test_closure_beats_everything():
    now = datetime(2024, 6, 28, 10, tzinfo=WIB)
    closure = ClosureInput("muara-enim", "Libur nasional", now - timedelta(hours=1))
    forced_open = OverrideInput("muara-enim", "open", "x", stage="printing", created_at=now)
    snap = snapshot_at(now, "up", "up", overrides=(forced_open,), closures=(closure,))
    office = snap.office("muara-enim")
    assert {s.state for s in office.stages} == {C}
    assert {s.state for s in office.services} == {C}
    assert office.stage("printing").reason == "Libur nasional"
    assert snap.office("palembang").stage("printing").state == O


def test_stage_override_beats_systems_and_latest_override_wins():
    now = datetime(2024, 6, 21, 10, tzinfo=WIB)
    older = OverrideInput(
        "palembang", "closed", "older", stage="printing", created_at=now - timedelta(hours=2)
    )
    newer = OverrideInput(
        "palembang",
        "open",
        "manual printing",
        stage="printing",
        created_at=now - timedelta(hours=1),
    )
    snap = snapshot_at(now, "degraded", "down", overrides=(newer, older))
    printing = snap.office("palembang").stage("printing")
    assert (printing.state, printing.cause, printing.reason) == (O, "override", "manual printing")


def test_closed_middle_stage_makes_progressive_partial_with_open_prefix():
    now = datetime(2024, 6, 28, 10, tzinfo=WIB)
    biometrics_closed = OverrideInput(
        "palembang", "closed", "alat rusak", stage="biometrics", created_at=now
    )
    snap = snapshot_at(now, "up", "up", overrides=(biometrics_closed,))
    regular = snap.office("palembang").service("passport-regular")
    assert (regular.state, regular.available_stages) == ("partial", ("interview",))
    assert regular.waiting_stages == ("biometrics", "photo", "cekal-check", "printing")
    assert snap.office("palembang").service("passport-express").state == C


def test_stale_observations_make_dependent_stages_unknown():
    now = datetime(2024, 6, 28, 10, tzinfo=WIB)
    snap = snapshot_at(now, "up", "up", checked=now - STALE)
    office = snap.office("palembang")
    assert snap.stale is True
    assert {s.code: s.state for s in snap.systems} == {"pdn": U, "cekal": U}
    assert {s.state for s in office.stages if s.code != "border-check"} == {U}
    assert office.stage("border-check").state == O  # needs no system
    assert office.service("passport-regular").state == U
    assert office.service("passport-express").state == U  # never "open" on data it lacks


def test_fresh_observation_is_not_stale_and_valid_until_is_staleness_moment():
    now = datetime(2024, 6, 28, 10, tzinfo=WIB)
    snap = snapshot_at(now, "up", "up", checked=now - STALE + timedelta(seconds=1))
    assert snap.stale is False
    assert snap.valid_until == now + timedelta(seconds=1)


def test_manual_state_wins_over_poller_and_never_goes_stale():
    now = datetime(2024, 6, 28, 10, tzinfo=WIB)
    systems = [
        SystemInput("pdn", "PDN", "up", manual_state="down", checked_at=now - timedelta(days=1)),
        SystemInput("cekal", "Cekal", "up", checked_at=now),
    ]
    snap = effective_status(
        offices=OFFICES,
        stages=STAGES,
        systems=systems,
        requirements=REQUIREMENTS,
        services=SERVICES,
        now=now,
        stale_after=STALE,
    )
    pdn = snap.system("pdn")
    assert (pdn.state, pdn.source, pdn.stale) == ("down", "manual", False)
    assert snap.office("palembang").stage("interview").cause == "declaration"


def test_service_override_wins_over_stages():
    now = datetime(2024, 6, 21, 10, tzinfo=WIB)
    forced = OverrideInput(
        "muara-enim", "closed", "petugas terbatas", service="foreign-stay-permit", created_at=now
    )
    snap = snapshot_at(now, "degraded", "down", overrides=(forced,))
    permit = snap.office("muara-enim").service("foreign-stay-permit")
    assert (permit.state, permit.cause, permit.reason, permit.available_stages) == (
        C,
        "override",
        "petugas terbatas",
        (),
    )


def test_expired_override_no_longer_applies_and_sets_valid_until():
    before = datetime(2024, 6, 30, 23, 59, 50, tzinfo=WIB)
    snap = snapshot_at(before, "up", "up", overrides=(EXPRESS_CLOSED,), checked=before)
    assert snap.office("palembang").service("passport-express").state == C
    assert snap.valid_until == EXPRESS_CLOSED.expires_at
