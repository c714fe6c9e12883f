"""The portal keeps answering when Redis goes away, and caches again when it returns."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offices.models import Office
from services import overrides
from services.models import Stage
from tests.conftest import missing
from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("redis-server did not start")


@pytest.fixture
def own_redis(redis_url, settings):
    """A Redis server of this test's own, so that stopping it disturbs nobody else."""
    if not shutil.which("redis-server"):
        missing("redis-server")
    port = free_port()
    proc = start_redis(port)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    state = {"proc": proc, "port": port}
    yield state
    state["proc"].kill()
    state["proc"].wait()
    caches["default"].close()


def queries_for_status(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/status/")
    return response.status_code, len(captured)


@pytest.mark.integration
def test_status_keeps_answering_without_redis_and_caches_again_after(client, own_redis):
    set_systems(pdn="up", cekal="up")
    assert client.get("/api/v1/status/").status_code == 200
    assert queries_for_status(client) == (200, 0)  # warm: served from Redis, no database

    own_redis["proc"].kill()
    own_redis["proc"].wait()
    status, _ = queries_for_status(client)
    assert status == 200
    assert client.get("/").status_code == 200
    # A change made while Redis is down is still seen on the next request.
    overrides.create_override(
        Office.objects.get(code="palembang"),
        stage=Stage.objects.get(code="printing"),
        state="closed",
        reason="mesin cetak rusak",
    )
    time.sleep(1.1)  # past the one-second reuse of the process's last snapshot
    body = client.get("/api/v1/status/").json()
    printing = next(s for s in body["offices"][0]["stages"] if s["code"] == "printing")
    assert printing["state"] == "closed"

    own_redis["proc"] = start_redis(own_redis["port"])
    assert client.get("/api/v1/status/").status_code == 200
    assert queries_for_status(client) == (200, 0)  # caching resumed without a restart


@pytest.mark.parametrize(("path", "json_body"), [("/api/v1/status/", True), ("/", False)])
def test_database_unreachable_is_503_with_retry_after(client, monkeypatch, path, json_body):
    from django.db import OperationalError

    def unreachable():
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("portal.status.published", unreachable)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if json_body:
        assert response.json()["error"]["code"] == "database_unavailable"
    else:
        assert b"Traceback" not in response.content
