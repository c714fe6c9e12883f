"""Two staff save overrides for one stage at the same moment while the poller recomputes.

Each actor is a process of its own on PostgreSQL (office staff of Palembang, Kanwil staff,
and a poller recording readings), acting on the same ticks. Every change must be recorded,
the state left must be the one the committed overrides give, and each subject's events
must form one unbroken chain: nothing lost, nothing recorded twice.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from services.choices import SystemState
from services.models import CurrentState, HealthObservation, Override, StatusEvent
from services.snapshot import recompute
from tests.factories import set_systems
from tests.offices.staff import office_staff, regional_staff
from tests.reliability.invariants import audit
from tests.reliability.processes import Actor, child_env, go_together
from tests.stack import database_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EVERY = 1.0  # seconds between ticks: a round is over before the next begins
# Per tick, what each does to Palembang's printing stage: force a state, or clear.
OFFICE_STAFF_PLAN = "closed,open,clear,open,closed,clear,closed,open,clear,closed,open"
KANWIL_STAFF_PLAN = "open,closed,clear,closed,open,clear,open,closed,clear,open,closed"
POLLER_PLAN = (
    "down/down,up/up,degraded/down,up/up,down/down,degraded/up,up/up,up/down,up/up,down/up,up/up"
)


def overlapping(a: dict, b: dict) -> bool:
    return a["at"] < b["at"] + b["took"] and b["at"] < a["at"] + a["took"]


def test_two_staff_and_the_poller_at_once_lose_nothing_and_record_nothing_twice(
    postgres, settings, tmp_path
):
    settings.STALE_AFTER_SECONDS = 600
    office_staff("staff-palembang", "palembang")
    regional_staff("kanwil-sumsel")
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    env = child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        VAR_DIR=settings.VAR_DIR,
        STALE_AFTER_SECONDS=600,
    )
    target = ["--office=palembang", "--stage=printing", f"--every={EVERY}"]
    actors = [
        Actor(
            "staff", env, tmp_path, "--user=staff-palembang", *target, f"--plan={OFFICE_STAFF_PLAN}"
        ),
        Actor(
            "staff", env, tmp_path, "--user=kanwil-sumsel", *target, f"--plan={KANWIL_STAFF_PLAN}"
        ),
        Actor("poller", env, tmp_path, f"--plan={POLLER_PLAN}", f"--every={EVERY}"),
    ]
    try:
        go_together(actors, lead=1.0)
        office_log, kanwil_log, polls = (actor.result() for actor in actors)
    finally:
        for actor in actors:
            actor.stop()

    staff_log = office_log + kanwil_log
    races = sum(overlapping(a, b) for a, b in zip(office_log, kanwil_log, strict=True))
    skew = max(abs(a["at"] - b["at"]) for a, b in zip(office_log, kanwil_log, strict=True))
    found = audit()
    print(
        f"\nticks {len(office_log)}, staff operations {len(staff_log)}, overlapping {races}, "
        f"largest start skew {skew * 1000:.1f} ms; polls {len(polls)}; "
        f"events checked {found.events}, subjects {found.subjects}, late {found.late_events}"
    )
    assert not [entry for entry in staff_log + polls if "error" in entry]
    assert races > 0  # the two staff really wrote at the same time

    # Every change is recorded, as its author's.
    made = {entry["id"]: entry for entry in staff_log if "id" in entry}
    rows = Override.objects.select_related("actor").in_bulk(list(made))
    assert len(made) == 2 * sum(op != "clear" for op in OFFICE_STAFF_PLAN.split(","))
    assert set(rows) == set(made)
    assert all(rows[pk].state == made[pk]["op"] for pk in made)
    assert all(rows[pk].actor.username == made[pk]["reason"].split(" #")[0] for pk in made)
    assert HealthObservation.objects.count() == 2 * len(polls)
    # Two staff clearing the same overrides at once: each cleared once, counted once.
    cleared = Override.objects.filter(cleared_at__isnull=False)
    assert sum(entry.get("cleared", 0) for entry in staff_log) == cleared.count()
    last_clear = max(e["tick"] for e in office_log if e["op"] == "clear")
    assert all(rows[pk].cleared_at for pk, e in made.items() if e["tick"] < last_clear)

    # The state left is the one the committed overrides give: the newest in force.
    newest = Override.objects.active(timezone.now()).latest("created_at", "pk")
    printing = CurrentState.objects.get(office__code="palembang", stage__code="printing")
    assert printing.state == newest.state
    last = StatusEvent.objects.filter(office__code="palembang", stage__code="printing").first()
    assert last.new_state == newest.state

    # No transition lost or recorded twice, and nothing left for a later recompute to find.
    assert found.problems == []
    assert found.late_events == 0
