"""/healthz, /readyz, /metrics, request ids and JSON logs, through the whole middleware stack."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.utils import timezone

from portal.ops import JsonFormatter, RequestIdFilter, request_id
from services.models import HealthObservation, UpstreamSystem
from services.polling import Reading, record_readings
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

ELSEWHERE = "203.0.113.50"
ROOT = Path(__file__).resolve().parents[2]


def observe(at) -> None:
    HealthObservation.objects.create(
        system=UpstreamSystem.objects.get(code="pdn"), state="up", at=at
    )


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format, or None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        metric, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and got == wanted:
            return float(value)
    return None


def test_healthz_answers_without_asking_anything_or_checking_the_host():
    response = Client(HTTP_HOST="10.1.2.3:8000").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_everything_answers_and_the_poller_is_fresh(client):
    observe(timezone.now())
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "database",
        "cache",
        "broker",
        "poller",
    }


def test_readyz_is_503_when_the_poller_is_older_than_stale_after(client, settings):
    settings.STALE_AFTER_SECONDS = 30
    observe(timezone.now() - timedelta(seconds=31))
    response = client.get("/readyz")
    assert response.status_code == 503
    poller = response.json()["checks"]["poller"]
    assert not poller["ok"] and "limit 30 s" in poller["error"]


def test_readyz_is_503_before_any_poll(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not recorded any observation" in response.json()["checks"]["poller"]["error"]


def test_readyz_names_a_cache_that_does_not_answer(client, settings):
    observe(timezone.now())
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="a1b2c3-proxy")
    assert given["X-Request-ID"] == "a1b2c3-proxy"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='"><script>')
    assert len(forged["X-Request-ID"]) == 32 and forged["X-Request-ID"].isalnum()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_log_records_are_json_lines_with_the_request_id():
    record = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, "poll %s", ("late",), None)
    token = request_id.set("rid-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "poll late" and entry["request_id"] == "rid-42"
    assert entry["level"] == "WARNING" and entry["logger"] == "portal.x"


def test_metrics_are_refused_outside_the_allow_list(settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    assert Client(REMOTE_ADDR=ELSEWHERE).get("/metrics").status_code == 403
    settings.METRICS_ALLOWED_ADDRESSES = ["203.0.113.0/24"]
    assert Client(REMOTE_ADDR=ELSEWHERE).get("/metrics").status_code == 200


def test_metrics_allow_list_sees_the_visitor_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert through_proxy.get("/metrics").status_code == 403


def test_metrics_count_requests_by_route_polls_events_and_show_system_states(
    client, django_capture_on_commit_callbacks
):
    set_systems(pdn="up", cekal="up")
    before = client.get("/metrics").content.decode()
    client.get("/kantor/palembang/")
    client.get("/kantor/no-such-office/")
    with django_capture_on_commit_callbacks(execute=True):  # events count once committed
        record_readings(
            {"pdn": Reading(state="down", latency_ms=120), "cekal": Reading(error="timeout")},
            timezone.now(),
        )
    after = client.get("/metrics").content.decode()

    def grew(name: str, **labels: str) -> float:
        return (sample(after, name, **labels) or 0) - (sample(before, name, **labels) or 0)

    office = {"route": "kantor/<slug:code>/", "method": "GET"}
    assert grew("portal_http_requests_total", **office, status="200") == 1
    assert grew("portal_http_requests_total", **office, status="404") == 1
    assert grew("portal_polls_total", system="pdn", result="down") == 1
    assert grew("portal_polls_total", system="cekal", result="timeout") == 1
    assert grew("portal_poll_latency_seconds_count", system="pdn") == 1
    assert grew("portal_status_events_total", kind="system", cause="system") >= 1
    assert sample(after, "portal_system_state", system="pdn", state="down") == 1
    assert sample(after, "portal_system_state", system="pdn", state="up") == 0
    assert sample(after, "portal_snapshot_stale") == 0


def test_cache_lookups_count_shared_hits_misses_and_errors(client, monkeypatch):
    from django.core.cache import cache

    from portal import prepared

    set_systems(pdn="up", cekal="up")
    assert client.get("/api/v1/status/").status_code == 200  # built and shared

    def grown(read) -> dict[str, float]:
        before = client.get("/metrics").content.decode()
        prepared.forget()  # this process forgets; the shared cache remembers
        assert read().status_code == 200
        after = client.get("/metrics").content.decode()
        return {
            result: (sample(after, "portal_cache_lookups_total", result=result) or 0)
            - (sample(before, "portal_cache_lookups_total", result=result) or 0)
            for result in ("hit", "miss", "error")
        }

    shared = grown(lambda: client.get("/api/v1/status/"))
    assert shared["hit"] >= 1 and shared["miss"] == 0 and shared["error"] == 0

    cache.clear()  # the read finds no snapshot: it publishes one, building its documents
    cold = grown(lambda: client.get("/api/v1/status/"))
    assert cold["miss"] >= 1 and cold["error"] == 0

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    down = grown(lambda: client.get("/api/v1/status/"))
    assert down["error"] >= 1 and down["hit"] == 0


def test_the_sample_alert_rules_read_metrics_the_portal_exports(client):
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    set_systems(pdn="up", cekal="up")
    observe(timezone.now())
    exported = client.get("/metrics").content.decode()
    named = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] and rule["annotations"]["summary"]
            named |= set(re.findall(r"portal_[a-z_]+", rule["expr"]))
    families = {line.split()[2] for line in exported.splitlines() if line.startswith("# TYPE")}
    series = {line.split("{")[0].split()[0] for line in exported.splitlines() if line[:1] != "#"}
    assert named and named <= families | series, named - families - series
