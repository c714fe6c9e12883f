"""Properties of the gating engine over generated worlds (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

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

NOW = datetime(2024, 6, 24, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
STALE = timedelta(seconds=30)
SYSTEMS = ("pdn", "cekal", "simkim")
STAGES = tuple(f"s{i}" for i in range(6))
OBSERVED = ("up", "degraded", "down", "")
RANK = {"down": 0, "degraded": 1, "up": 2}

requirement = st.tuples(
    st.sampled_from(STAGES), st.sampled_from(SYSTEMS), st.sampled_from(("degraded", "up"))
)
service = st.tuples(
    st.sampled_from(("progressive", "same_day")),
    st.lists(st.sampled_from(STAGES), min_size=1, max_size=6, unique=True),
)
override = st.tuples(
    st.sampled_from(("a", "b")),
    st.sampled_from(("open", "closed")),
    st.one_of(
        st.sampled_from(STAGES).map(lambda s: ("stage", s)),
        st.integers(0, 3).map(lambda i: ("service", f"v{i}")),
    ),
    st.integers(0, 100),
)


@st.composite
def worlds(draw):
    systems = {code: draw(st.sampled_from(OBSERVED)) for code in SYSTEMS}
    ages = {code: draw(st.integers(0, 60)) for code in SYSTEMS}
    requirements = {(s, sys): m for s, sys, m in draw(st.lists(requirement, max_size=10))}
    services = draw(st.lists(service, min_size=1, max_size=4))
    overrides = draw(st.lists(override, max_size=4))
    closed_offices = draw(st.sets(st.sampled_from(("a", "b"))))
    return systems, ages, requirements, services, overrides, closed_offices


def compute(world, systems=None):
    observed, ages, requirements, services, overrides, closed = world
    observed = systems or observed
    return effective_status(
        offices=[OfficeInput("a"), OfficeInput("b")],
        stages=[StageInput(code, i) for i, code in enumerate(STAGES)],
        systems=[
            SystemInput(code, code, observed[code], checked_at=NOW - timedelta(seconds=ages[code]))
            for code in SYSTEMS
        ],
        requirements=[RequirementInput(s, sys, m) for (s, sys), m in requirements.items()],
        services=[
            ServiceInput(f"v{i}", mode, tuple(stages), frozenset({"a", "b"}))
            for i, (mode, stages) in enumerate(services)
        ],
        overrides=[
            OverrideInput(
                office, state, "r", **{kind: code}, created_at=NOW - timedelta(minutes=minutes)
            )
            for office, state, (kind, code), minutes in overrides
        ],
        closures=[ClosureInput(o, "closed", NOW - timedelta(hours=1)) for o in closed],
        now=NOW,
        stale_after=STALE,
    )


def stage_states(snapshot) -> dict[tuple[str, str], str]:
    return {(o.code, s.code): s.state for o in snapshot.offices for s in o.stages}


@settings(max_examples=150, deadline=None)
@given(worlds(), st.sampled_from(SYSTEMS))
def test_raising_a_system_never_closes_a_stage(world, raised):
    observed = dict(world[0])
    if observed[raised] not in RANK or observed[raised] == "up":
        return
    better = {**observed, raised: "up" if observed[raised] == "degraded" else "degraded"}
    before, after = stage_states(compute(world)), stage_states(compute(world, better))
    for key, state in before.items():
        if state == "open":
            assert after[key] == "open", key


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_latest_stage_override_always_wins_unless_the_office_is_closed(world):
    snapshot = compute(world)
    latest: dict[tuple[str, str], str] = {}
    for office, state, (kind, code), _minutes in sorted(world[4], key=lambda o: -o[3]):
        if kind == "stage":
            latest[(office, code)] = state
    closed = world[5]
    for (office, code), state in latest.items():
        got = snapshot.office(office).stage(code)
        assert got.state == ("closed" if office in closed else state)


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_same_day_is_open_only_when_every_stage_is(world):
    snapshot = compute(world)
    modes = {f"v{i}": mode for i, (mode, _) in enumerate(world[3])}
    overridden = {(o, code) for o, _s, (kind, code), _m in world[4] if kind == "service"}
    for office in snapshot.offices:
        states = {s.code: s.state for s in office.stages}
        for service in office.services:
            if modes[service.code] != "same_day" or (office.code, service.code) in overridden:
                continue
            every_open = all(
                states[c] == "open" for c in service.waiting_stages + service.available_stages
            )
            assert (service.state == "open") == every_open


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_nothing_opens_on_stale_or_unknown_data(world):
    snapshot = compute(world)
    effective = {s.code: s.state for s in snapshot.systems}
    for office in snapshot.offices:
        for stage in office.stages:
            needs = [sys for (s, sys) in world[2] if s == stage.code]
            if stage.cause != "override" and any(effective[n] == "unknown" for n in needs):
                assert stage.state != "open"


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_progressive_available_stages_are_an_open_prefix(world):
    snapshot = compute(world)
    for office in snapshot.offices:
        states = {s.code: s.state for s in office.stages}
        for service in office.services:
            if service.cause in ("override", "closure"):
                continue
            assert all(states[c] == "open" for c in service.available_stages)
            if service.state == "partial":
                assert service.available_stages and service.waiting_stages
