"""Single-flight locks: a Redis lock when Redis is configured, a file lock otherwise."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator

from django.conf import settings

log = logging.getLogger(__name__)


@contextlib.contextmanager
def single_flight(name: str, timeout: float) -> Iterator[bool]:
    """Hold the lock ``name`` for the block; yield whether it was acquired.

    The Redis lock expires after ``timeout`` seconds, so a worker killed while holding it
    cannot keep every later poll out. The file lock is released by the kernel when its
    holder dies.
    """
    if settings.REDIS_URL:
        with _redis_lock(name, timeout) as acquired:
            yield acquired
    else:
        with _file_lock(name) as acquired:
            yield acquired


@contextlib.contextmanager
def _redis_lock(name: str, timeout: float) -> Iterator[bool]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    lock = client.lock(f"sli:lock:{name}", timeout=timeout, blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(Exception):  # expired meanwhile: someone else's now
                lock.release()


@contextlib.contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    path = settings.VAR_DIR / f"{name}.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
