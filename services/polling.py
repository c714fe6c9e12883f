"""Poll the upstream systems' health over HTTP, with hysteresis, and recompute.

Each distinct health URL is fetched once per poll; each system reads its own field of the
document. A poll never raises: every failure becomes a ``HealthObservation`` with its
kind of error. ``FAIL_THRESHOLD`` consecutive failures declare a system ``down``;
after that, ``RECOVER_THRESHOLD`` consecutive good polls are needed to believe it again.
A reported state (the upstream saying "down") is believed at once.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import Cause, ObservationError, SystemState
from .locks import single_flight
from .models import HealthObservation, UpstreamSystem
from .snapshot import recompute

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
VALID_STATES = {SystemState.UP, SystemState.DEGRADED, SystemState.DOWN}


@dataclass(frozen=True)
class Fetched:
    """What one health URL answered: a parsed document, or an error kind and detail."""

    document: dict | None
    error: str = ""
    detail: str = ""
    latency_ms: int = 0


@dataclass(frozen=True)
class Reading:
    """What one poll says of one system."""

    state: str = ""
    error: str = ""
    detail: str = ""
    latency_ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


def fetch(url: str) -> Fetched:
    """GET a health document; never raise."""
    started = time.monotonic()
    timeout = (settings.HEALTH_CONNECT_TIMEOUT, settings.HEALTH_READ_TIMEOUT)
    try:
        with requests.get(
            url, timeout=timeout, stream=True, headers={"Accept": "application/json"}
        ) as r:
            body = _read_capped(r, started + settings.HEALTH_READ_TIMEOUT)
            elapsed = _ms(started)
            if r.status_code != 200:
                return Fetched(None, ObservationError.HTTP, f"HTTP {r.status_code}", elapsed)
    except requests.Timeout as exc:
        return Fetched(None, ObservationError.TIMEOUT, _short(exc), _ms(started))
    except requests.RequestException as exc:
        return Fetched(None, ObservationError.CONNECTION, _short(exc), _ms(started))
    except _BodyError as exc:
        return Fetched(None, exc.kind, str(exc), _ms(started))
    return parse(body, elapsed)


class _BodyError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    """Read at most MAX_BODY_BYTES, and give up at the deadline (a trickling body)."""
    chunks, size = [], 0
    for chunk in response.iter_content(8192):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyError(ObservationError.MALFORMED, f"body larger than {MAX_BODY_BYTES} bytes")
        if time.monotonic() > deadline:
            raise _BodyError(ObservationError.TIMEOUT, "body not complete before the read timeout")
        chunks.append(chunk)
    return b"".join(chunks)


def parse(body: bytes, latency_ms: int = 0) -> Fetched:
    """Parse a health document: a JSON object."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return Fetched(None, ObservationError.MALFORMED, f"not JSON: {_short(exc)}", latency_ms)
    if not isinstance(document, dict):
        return Fetched(None, ObservationError.MALFORMED, "not a JSON object", latency_ms)
    return Fetched(document, latency_ms=latency_ms)


def read_field(fetched: Fetched, path: str) -> Reading:
    """Read one system's state from a fetched document by dotted ``path``."""
    if fetched.document is None:
        return Reading(error=fetched.error, detail=fetched.detail, latency_ms=fetched.latency_ms)
    value: object = fetched.document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value not in VALID_STATES:
        detail = f"{path}: {str(value)[:50]!r} is not one of up, degraded, down"
        return Reading(
            error=ObservationError.MALFORMED, detail=detail, latency_ms=fetched.latency_ms
        )
    return Reading(state=str(value), latency_ms=fetched.latency_ms)


def apply_reading(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    """Update a system's observed state from one reading, with hysteresis (not saved)."""
    if reading.ok:
        system.consecutive_failures = 0
        system.consecutive_successes += 1
        failed_down = system.observed_state == SystemState.DOWN and system.observed_error
        system.checked_at = now
        if failed_down and system.consecutive_successes < settings.RECOVER_THRESHOLD:
            return  # reachable again, but not believed yet: it stays down
        system.observed_state, system.observed_error = reading.state, ""
        return
    system.consecutive_successes = 0
    system.consecutive_failures += 1
    if system.consecutive_failures >= settings.FAIL_THRESHOLD:
        system.observed_state, system.observed_error = SystemState.DOWN, reading.error
        system.checked_at = now


def poll_systems(now: datetime | None = None) -> dict[str, Reading]:
    """Poll every system once, record observations, update states and recompute."""
    systems = list(UpstreamSystem.objects.all())
    urls = {s.code: settings.HEALTH_URLS.get(s.code) for s in systems}
    fetched = {url: fetch(url) for url in set(urls.values()) if url}
    now = now or timezone.now()
    readings = {
        s.code: read_field(fetched[urls[s.code]], s.health_field)
        if urls[s.code]
        else Reading(error=ObservationError.CONNECTION, detail="no health URL configured")
        for s in systems
    }
    with transaction.atomic():
        for system in UpstreamSystem.objects.select_for_update().order_by("pk"):
            reading = readings.get(system.code)
            if reading is None:
                continue
            _observe(system, reading, now)
        recompute(now=now, cause=Cause.SYSTEM)
    return readings


def _observe(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    HealthObservation.objects.create(
        system=system,
        state=reading.state,
        error=reading.error,
        detail=reading.detail[:300],
        latency_ms=reading.latency_ms,
        at=now,
    )
    apply_reading(system, reading, now)
    system.save(
        update_fields=[
            "observed_state",
            "observed_error",
            "checked_at",
            "consecutive_failures",
            "consecutive_successes",
        ]
    )


def poll_once_exclusively() -> bool:
    """Poll unless another poll is running; return whether this one ran."""
    timeout = settings.HEALTH_CONNECT_TIMEOUT + settings.HEALTH_READ_TIMEOUT + 30
    with single_flight("poll-systems", timeout=timeout) as acquired:
        if not acquired:
            log.info("another poll is running; skipping this tick")
            return False
        poll_systems()
        return True


def prune_observations(now: datetime | None = None) -> int:
    """Delete observations older than the retention period; return how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OBSERVATION_RETENTION_DAYS)
    deleted, _ = HealthObservation.objects.filter(at__lt=cutoff).delete()
    return deleted


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
