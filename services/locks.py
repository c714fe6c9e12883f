"""Single-flight locks: a Redis lock when Redis is configured, a file lock otherwise."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Iterator

from django.conf import settings

log = logging.getLogger(__name__)

FILE_LOCK_RETRY_SECONDS = 0.05


@contextlib.contextmanager
def single_flight(name: str, timeout: float, wait: float = 0) -> Iterator[bool]:
    """Hold the lock ``name`` for the block; yield whether it was acquired.

    Waits up to ``wait`` seconds for a holder to finish. The Redis lock expires after
    ``timeout`` seconds, so a worker killed while holding it cannot keep every later poll
    out. The file lock is released by the kernel when its holder dies. When Redis cannot
    be reached the file lock stands in: one host stays single-flight, and nothing raises.
    """
    if settings.REDIS_URL:
        try:
            with _redis_lock(name, timeout, wait) as acquired:
                yield acquired
            return
        except _RedisUnavailable:
            log.warning("Redis unavailable for lock %s; using a file lock", name, exc_info=True)
    with _file_lock(name, wait) as acquired:
        yield acquired


class _RedisUnavailable(Exception):
    pass


def redis_lock_key(name: str) -> str:
    """The Redis key that holds the lock ``name``."""
    return f"sli:lock:{name}"


@contextlib.contextmanager
def _redis_lock(name: str, timeout: float, wait: float) -> Iterator[bool]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    lock = client.lock(
        redis_lock_key(name), timeout=timeout, blocking=wait > 0, blocking_timeout=wait or None
    )
    try:
        try:
            acquired = lock.acquire()
        except redis.RedisError as exc:
            raise _RedisUnavailable(str(exc)) from exc
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(redis.RedisError):  # expired meanwhile: not ours now
                    lock.release()
    finally:
        client.close()


@contextlib.contextmanager
def _file_lock(name: str, wait: float) -> Iterator[bool]:
    path = settings.VAR_DIR / f"{name}.lock"
    with open(path, "a") as handle:
        if not _flock(handle, time.monotonic() + wait):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _flock(handle, deadline: float) -> bool:
    """Take an exclusive lock on ``handle``, retrying until ``deadline``."""
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(FILE_LOCK_RETRY_SECONDS)
