"""Single flight: two polls never run at once, and a dead holder never blocks for ever."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import redis
from django.db import connection

from services import polling
from services.locks import redis_lock_key, single_flight
from services.models import HealthObservation
from services.simulator import set_fault
from tests.stack import point_poller_at, wait_until

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "http://127.0.0.1:9/simulator/pdn/health"


@pytest.fixture(params=["file", "redis"])
def lock_backend(request, settings) -> str:
    """Run a test with the file lock (embedded default) and with the Redis lock."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    else:
        settings.REDIS_URL = None
    return request.param


@pytest.fixture
def unreachable(settings) -> None:
    """A health URL that fails at once: a poll that runs records connection errors."""
    settings.HEALTH_CONNECT_TIMEOUT = 0.5
    settings.HEALTH_URLS = {"pdn": CLOSED_PORT_URL, "cekal": CLOSED_PORT_URL}


def test_a_poll_is_skipped_while_another_holds_the_lock(lock_backend, unreachable):
    with single_flight(polling.LOCK_NAME, timeout=30) as held:
        assert held
        assert polling.poll_once_exclusively() is None
        assert not HealthObservation.objects.exists()
    assert polling.poll_once_exclusively() is not None
    assert HealthObservation.objects.count() == 2


def test_a_waiting_poll_runs_once_the_holder_is_done(lock_backend, unreachable):
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with single_flight(polling.LOCK_NAME, timeout=30) as acquired:
            assert acquired
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        threading.Timer(0.3, release.set).start()
        assert polling.poll_once_exclusively(wait=10) is not None
    finally:
        release.set()
        thread.join(10)


def test_the_redis_lock_carries_the_poll_budget_as_its_expiry(settings, redis_url, unreachable):
    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    budget = polling.poll_budget()
    with single_flight(polling.LOCK_NAME, timeout=budget) as held:
        assert held
        ttl_ms = client.pttl(redis_lock_key(polling.LOCK_NAME))
    assert 0 < ttl_ms <= budget * 1000
    assert client.exists(redis_lock_key(polling.LOCK_NAME)) == 0  # released on the way out


def test_a_held_but_expired_redis_lock_does_not_block_for_ever(settings, redis_url, unreachable):
    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    key = redis_lock_key(polling.LOCK_NAME)
    # A worker that took the lock and was killed: nobody will ever release it.
    assert client.lock(key, timeout=1.0).acquire(blocking=False)
    assert polling.poll_once_exclusively() is None
    wait_until(lambda: not client.exists(key), 10, "the dead holder's lock to expire")
    assert polling.poll_once_exclusively() is not None


def test_the_file_lock_is_freed_when_its_holder_is_killed(settings, unreachable, tmp_path):
    settings.REDIS_URL = None
    path = settings.VAR_DIR / f"{polling.LOCK_NAME}.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"f = open({str(path)!r}, 'a')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert polling.poll_once_exclusively() is None
        holder.kill()
        holder.wait(10)
        assert polling.poll_once_exclusively() is not None
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        holder.stdout.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_polls_started_together_run_once(lock_backend, settings, live_server):
    point_poller_at(settings, live_server.url)
    settings.SIMULATOR_SLOW_SECONDS, settings.HEALTH_READ_TIMEOUT = 2.0, 5.0
    set_fault("slow")  # the first poll is still waiting on the simulator when the second starts
    barrier = threading.Barrier(2)
    results: list[object] = []

    def poll() -> None:
        try:
            barrier.wait(10)
            results.append(polling.poll_once_exclusively())
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2
    assert sum(r is not None for r in results) == 1, f"{time.monotonic() - started:.1f} s"
    assert HealthObservation.objects.count() == 2  # one per system, from the one poll
