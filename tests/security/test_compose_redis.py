"""Compose's Redis is capped, and under the cap it evicts cache entries, never the broker's
queues (Celery's keys have no expiry; every cache entry has one)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from django.core.cache.backends.redis import RedisCache
from kombu import Connection

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]


def redis_command() -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]["redis"]["command"]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_compose_redis_has_a_memory_cap_that_spares_keys_without_expiry():
    command = redis_command()
    assert option(command, "--maxmemory").endswith("mb")
    assert option(command, "--maxmemory-policy") == "volatile-lru"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def capped_redis():
    """A real redis-server with compose's options, and a cap of 4 MB to reach quickly."""
    if not shutil.which("redis-server"):
        missing("redis-server")
    command = redis_command()
    port = free_port()
    args = [*command, "--port", str(port), "--bind", "127.0.0.1", "--maxmemory", "4mb"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.integration
def test_a_full_cache_evicts_cache_entries_and_keeps_every_queued_task(capped_redis):
    cache = RedisCache(capped_redis, {"TIMEOUT": 300})
    with Connection(capped_redis) as broker:
        queue = broker.SimpleQueue("celery")
        for n in range(200):
            queue.put({"task": "services.tasks.poll_systems_task", "n": n})
        for n in range(400):  # 400 × 32 KiB: three times the cap; no write is refused
            cache.set(f"document-{n}", b"x" * 32 * 1024)
        kept = [n for n in range(400) if cache.get(f"document-{n}") is not None]
        # Redis's LRU is approximate (it evicts the oldest of a few sampled keys), so which
        # old entries go varies; most of them go, and the newest stays.
        assert 399 in kept and len(kept) <= 4 * 1024 // 32
        assert sum(n < 200 for n in kept) < sum(n >= 200 for n in kept)
        assert queue.qsize() == 200
        assert [queue.get(timeout=1).payload["n"] for _ in range(3)] == [0, 1, 2]
        queue.close()
