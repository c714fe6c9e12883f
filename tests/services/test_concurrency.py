"""Racing recomputations on PostgreSQL record each transition's event exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from services.models import StatusEvent
from services.polling import Reading, record_readings
from services.snapshot import catch_up, published, recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RACERS = 4
PHASES = [
    {"pdn": "up", "cekal": "up"},
    {"pdn": "down", "cekal": "down"},
    {"pdn": "degraded", "cekal": "down"},
    {"pdn": "degraded", "cekal": "up"},
    {"pdn": "up", "cekal": "up"},
]


def race(works: list[Callable[[], object]]) -> None:
    """Run each of ``works`` in its own thread, all released at once; re-raise any error."""
    barrier = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            barrier.wait(10)
            work()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a racer is still running"
    assert not errors, errors


def chains() -> dict[tuple, list[tuple[str, str]]]:
    """Every subject's events in order, keyed by (office, stage, service, system) codes."""
    found: dict[tuple, list[tuple[str, str]]] = {}
    rows = StatusEvent.objects.select_related("office", "stage", "service", "system")
    for e in rows.order_by("id"):
        key = (
            e.office.code if e.office_id else None,
            e.stage.code if e.stage_id else None,
            e.service.code if e.service_id else None,
            e.system.code if e.system_id and not e.office_id else None,
        )
        found.setdefault(key, []).append((e.old_state, e.new_state))
    return found


def assert_each_transition_once(found: dict[tuple, list[tuple[str, str]]]) -> None:
    """A transition recorded twice breaks the chain: its second copy starts from a stale state."""
    for key, events in found.items():
        for (_, previous_new), (old, _) in zip(events, events[1:], strict=False):
            assert old == previous_new, f"{key}: {events}"
        assert all(old != new for old, new in events), f"{key}: {events}"


def test_racing_recomputes_record_each_transition_once(postgres):
    for phase in PHASES:
        set_systems(**phase)
        race([recompute] * RACERS)
    found = chains()
    assert_each_transition_once(found)
    # Printing: open, closed (down), closed, closed, open.
    for office in ("palembang", "muara-enim"):
        printing = found[(office, "printing", None, None)]
        assert printing == [("", "open"), ("open", "closed"), ("closed", "open")]
    assert found[(None, None, None, "pdn")] == [
        ("unknown", "up"),
        ("up", "down"),
        ("down", "degraded"),
        ("degraded", "up"),
    ]


def test_racing_readers_write_nothing_and_racing_pollers_record_staleness_once(postgres, settings):
    settings.STALE_AFTER_SECONDS = 30
    set_systems(now=timezone.now() - timedelta(seconds=25), pdn="up", cekal="up")
    recompute()
    later = timezone.now() + timedelta(seconds=10)
    race([lambda: published(now=later)] * RACERS)
    assert not StatusEvent.objects.filter(cause="stale").exists()  # reads never write
    race([lambda: catch_up(later)] * RACERS)  # what each poll does first
    found = chains()
    assert_each_transition_once(found)
    stale = StatusEvent.objects.filter(new_state="unknown", cause="stale")
    # 6 stages at palembang (border-check needs nothing: 5), 5 at muara-enim, and 2 systems.
    assert stale.filter(stage__isnull=False).count() == 10
    assert stale.filter(office__isnull=True).count() == 2


def test_racing_polls_and_readers_record_each_transition_once(postgres):
    up, down = Reading(state="up"), Reading(state="down")

    def poll(reading: Reading) -> Callable[[], object]:
        return lambda: record_readings({"pdn": reading, "cekal": reading}, timezone.now())

    for reading in (up, down, up):
        race([poll(reading), poll(reading), published, published])
    found = chains()
    assert_each_transition_once(found)
    assert found[(None, None, None, "pdn")] == [("unknown", "up"), ("up", "down"), ("down", "up")]
