"""Operations: /healthz, /readyz and /metrics, request ids, and JSON logs."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from services import metrics

from .security import in_networks, trusted_networks

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "<unmatched>"


class OpsMiddleware:
    """Give each request an id (the proxy's ``X-Request-ID`` when well formed, else a new one)
    for its response and every log record written meanwhile, and count it by route and status.

    The three probes are answered here, ahead of the host check, sessions and the rest: probes
    and scrapers address a replica by its container address, not by the public host name,
    and need nothing else the stack does.
    """

    MAX_ROUTES = 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.routes: dict[str, str] = {}  # path -> its route pattern (bounded label values)
        self.children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.probes: dict[str, Callable[[HttpRequest], HttpResponse]] = {
            "/healthz": healthz,
            "/readyz": readyz,
            "/metrics": metrics_view,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if REQUEST_ID.fullmatch(given) else os.urandom(16).hex()
        request.request_id = rid  # for records logged after the response (django.request)
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            probe = self.probes.get(request.path_info)
            if probe is not None and request.method in ("GET", "HEAD"):
                response = probe(request)
            else:
                response = self.get_response(request)
            response["X-Request-ID"] = rid
            counted = self.counted(self.route(request), request.method, response.status_code)
            counted[0].inc()
            counted[1].observe(time.perf_counter() - started)
            return response
        finally:
            request_id.reset(token)

    def counted(self, route: str, method: str, status: int) -> tuple[Counter, Histogram]:
        """The request counter and timer of a route, method and status, looked up once:
        finding a labelled child costs prometheus-client a lock and a tuple per call."""
        key = (route, method, status)
        found = self.children.get(key)
        if found is None:
            if len(self.children) >= self.MAX_ROUTES:
                self.children.clear()
            found = (
                metrics.REQUESTS.labels(route, method, str(status)),
                metrics.REQUEST_SECONDS.labels(route),
            )
            self.children[key] = found
        return found

    def route(self, request: HttpRequest) -> str:
        """The URL pattern that answered (``kantor/<slug:code>/``), never the raw path."""
        match = getattr(request, "resolver_match", None)
        if match is not None:
            return match.route or UNMATCHED
        path = request.path_info
        route = self.routes.get(path)
        if route is None:
            try:
                route = resolve(path).route or UNMATCHED
            except Resolver404:
                route = UNMATCHED
            if len(self.routes) >= self.MAX_ROUTES:
                self.routes.clear()
            self.routes[path] = route
        return route


# --- Probes -----------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (liveness): nothing else is checked."""
    return no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    """Database, cache and broker reachable, and the poller fresh: 200, else 503."""
    checks = {
        "database": check(check_database),
        "cache": check(check_cache),
        "broker": check(check_broker),
        "poller": check(check_poller),
    }
    ready = all(result["ok"] for result in checks.values())
    body = {"status": "ready" if ready else "unready", "checks": checks}
    return no_store(JsonResponse(body, status=200 if ready else 503))


def check(probe: Callable[[], dict | None]) -> dict:
    """Run one readiness check; any exception is a failed check that names it."""
    started = time.perf_counter()
    try:
        result = {"ok": True, **(probe() or {})}
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    token = os.urandom(16).hex()
    cache.set("readyz", token, 10)
    if cache.get("readyz") != token:
        raise RuntimeError("the cache did not return what was just stored")


def check_broker() -> None:
    from .celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


def check_poller() -> dict:
    """The last poll (successful or not) is younger than ``STALE_AFTER_SECONDS``."""
    last = last_poll()
    limit = settings.STALE_AFTER_SECONDS
    if last is None:
        raise RuntimeError("the poller has not recorded any observation yet")
    age = (datetime.now(UTC) - last).total_seconds()
    if age > limit:
        raise RuntimeError(f"the last poll is {age:.0f} s old (limit {limit:g} s)")
    return {"last_poll": last.isoformat(), "age_seconds": round(age, 1)}


def last_poll() -> datetime | None:
    from services.models import HealthObservation  # this module is loaded with LOGGING

    return HealthObservation.objects.aggregate(last=Max("at"))["last"]


def published():
    from services import snapshot

    return snapshot.published()


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- Metrics ----------------------------------------------------------------------------------


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the addresses in ``METRICS_ALLOWED_ADDRESSES`` only."""
    allowed = trusted_networks(settings.METRICS_ALLOWED_ADDRESSES)
    # REMOTE_ADDR is the visitor's address, behind a trusted proxy too (ClientAddressMiddleware).
    if not in_networks(request.META.get("REMOTE_ADDR", ""), allowed):
        return no_store(HttpResponse("metrics are not served to this address\n", status=403))
    return no_store(
        HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
    )


def scrape_registry() -> CollectorRegistry:
    """The counts of every process (multiprocess mode) or of this one, and the portal's state."""
    if not metrics.MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(STATE_COLLECTOR)
    return registry


STATE_COLLECTOR = metrics.PortalStateCollector(published, last_poll)
if not metrics.MULTIPROCESS:
    REGISTRY.register(STATE_COLLECTOR)


# --- Logs -------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request being answered ("" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = request_id.get() or getattr(request, "request_id", "")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
