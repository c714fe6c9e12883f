"""The Celery worker killed mid-poll: the next run completes the work, no transition is
recorded twice, and the single-flight lock expires instead of keeping every poll out.

The worker is killed with SIGKILL, pool and all, at two moments: while it waits on a slow
health URL (nothing written yet), and inside the poll's transaction (observations and
system rows written, the recompute waiting on the revision lock the test holds). A new
worker then takes over under the same beat.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
import redis
from django.db import connection, transaction

from services import polling
from services.choices import FaultMode, SystemState
from services.locks import redis_lock_key
from services.models import HealthObservation, Revision, UpstreamSystem
from services.simulator import set_fault, set_state
from services.snapshot import recompute
from tests.factories import set_systems
from tests.reliability.invariants import audit, event_chains
from tests.reliability.processes import (
    celery_beat,
    celery_worker,
    group_alive,
    kill_group,
)
from tests.stack import point_poller_at, purge_queue, stack_env, stop_process, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCK_SECONDS = 10  # POLL_LOCK_TIMEOUT_SECONDS of the workers: long enough to see it held


@pytest.fixture
def lock(redis_url) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete(redis_lock_key(polling.LOCK_NAME))
    yield client
    client.close()


def held(client: redis.Redis) -> bool:
    return bool(client.exists(redis_lock_key(polling.LOCK_NAME)))


def backend_waiting_on_a_lock() -> int | None:
    """The PID of a backend of this database blocked on a row lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@contextlib.contextmanager
def revision_lock_held() -> Iterator[None]:
    """Hold the revision row lock in another connection: every recompute waits on it."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Revision.lock()
                taken.set()
                release.wait(60)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert taken.wait(10)
        yield
    finally:
        release.set()
        thread.join(30)


def killed_while_fetching(worker, client: redis.Redis) -> None:
    """Kill the worker while its poll waits on the slow simulator; then mend the simulator."""
    set_fault(FaultMode.SLOW)
    try:
        wait_until(lambda: held(client), 60, "a worker inside poll_systems_task")
        kill_group(worker)
    finally:
        set_fault(FaultMode.NONE)


def killed_while_recording(worker, client: redis.Redis) -> None:
    """Kill the worker inside the poll's transaction, blocked on the revision lock."""
    with revision_lock_held():
        pid = wait_until(backend_waiting_on_a_lock, 60, "a poll waiting on the revision lock")
        assert held(client)
        kill_group(worker)
    # Released: the orphaned backend finds its client gone and rolls back.
    wait_until(lambda: not backend_alive(pid), 30, "the killed worker's backend to end")


@pytest.mark.parametrize("kill", [killed_while_fetching, killed_while_recording])
def test_a_worker_killed_mid_poll_is_replaced_and_each_transition_is_recorded_once(
    kill, postgres, lock, settings, live_server, tmp_path
):
    settings.SIMULATOR_SLOW_SECONDS = 15.0  # the doomed poll is still waiting when killed
    health_url = point_poller_at(settings, live_server.url)
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    set_state(SystemState.DOWN)  # what the interrupted poll, and the next one, must record
    env = stack_env(
        health_url,
        POLL_INTERVAL_SECONDS=1,
        POLL_LOCK_TIMEOUT_SECONDS=LOCK_SECONDS,
        HEALTH_READ_TIMEOUT=20,
        STALE_AFTER_SECONDS=600,
    )
    purge_queue()
    beat = celery_beat(env, tmp_path)
    worker = celery_worker(env, tmp_path, "doomed")
    try:
        kill(worker, lock)
        wait_until(lambda: not group_alive(worker.pid), 10, "the worker's pool to die with it")
        # The dead worker's lock outlives it, but not for longer than its expiry.
        assert (
            held(lock) and 0 < lock.pttl(redis_lock_key(polling.LOCK_NAME)) <= LOCK_SECONDS * 1000
        )
        assert not HealthObservation.objects.exists()  # nothing of the killed poll committed
        assert UpstreamSystem.objects.get(code="pdn").state == SystemState.UP

        worker = celery_worker(env, tmp_path, "replacement")
        wait_until(
            lambda: UpstreamSystem.objects.get(code="pdn").state == SystemState.DOWN,
            60,
            "the next poll to record PDN down",
        )
        # Not stuck: polls go on after the one that completed the work.
        wait_until(
            lambda: HealthObservation.objects.filter(system__code="pdn").count() >= 3,
            30,
            "two more polls",
        )
    except BaseException:
        print(*(p.read_text()[-3000:] for p in sorted(tmp_path.glob("*.log"))), sep="\n")
        raise
    finally:
        stop_process(beat)
        if worker.poll() is None:
            stop_process(worker)

    found = audit()
    assert found.problems == [] and found.late_events == 0
    chains = event_chains()
    assert chains[("system", "pdn")] == [("unknown", "up"), ("up", "down")]
    for office in ("palembang", "muara-enim"):
        assert chains[(office, "stage", "printing")] == [("", "open"), ("open", "closed")]
