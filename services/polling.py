"""Poll the upstream systems' health over HTTP, with hysteresis, and recompute.

Each distinct health URL is fetched once per poll; each system reads its own field of the
document. A poll never raises: every failure becomes a ``HealthObservation`` with its
kind of error. ``FAIL_THRESHOLD`` consecutive failures declare a system ``down``;
after that, ``RECOVER_THRESHOLD`` consecutive good polls are needed to believe it again.
A state the upstream reports itself is believed at once: hysteresis guards against an
unreliable channel, not against the upstream's own word.
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
from urllib3.exceptions import ReadTimeoutError

from . import metrics
from .locks import single_flight
from .models import HealthObservation, UpstreamSystem
from .snapshot import Published, catch_up, recompute
from .states import Cause, ObservationError, SystemState

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
VALID_STATES = frozenset({SystemState.UP, SystemState.DEGRADED, SystemState.DOWN})
LOCK_NAME = "poll-systems"
LOCK_MARGIN_SECONDS = 30  # beyond the HTTP budget: the database transaction and recompute


@dataclass(frozen=True)
class Fetched:
    """What one health URL answered: a parsed document, or an error kind and detail."""

    document: dict[str, object] | None
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


class _BodyError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# --- Fetching -----------------------------------------------------------------------------


def fetch(url: str) -> Fetched:
    """GET a health document; never raise."""
    started = time.monotonic()
    connect, read = settings.HEALTH_CONNECT_TIMEOUT, settings.HEALTH_READ_TIMEOUT
    try:
        with requests.get(
            url, timeout=(connect, read), stream=True, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code != 200:
                return Fetched(
                    None, ObservationError.HTTP, f"HTTP {response.status_code}", _ms(started)
                )
            body = _read_capped(response, started + connect + read)
    except requests.Timeout as exc:
        return Fetched(None, ObservationError.TIMEOUT, _short(exc), _ms(started))
    except requests.RequestException as exc:
        return Fetched(None, _request_error_kind(exc), _short(exc), _ms(started))
    except _BodyError as exc:
        return Fetched(None, exc.kind, str(exc), _ms(started))
    except Exception as exc:  # a poll must never raise: an odd URL is a failed poll too
        log.exception("unexpected error polling %s", url)
        return Fetched(None, ObservationError.CONNECTION, _short(exc), _ms(started))
    return parse(body, _ms(started))


def _request_error_kind(exc: requests.RequestException) -> str:
    # requests reports a read timeout while streaming the body as a ConnectionError.
    cause = exc.args[0] if exc.args else None
    return (
        ObservationError.TIMEOUT
        if isinstance(cause, ReadTimeoutError)
        else ObservationError.CONNECTION
    )


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
    # Only a string can be a state; a list or an object in its place is a malformed body.
    if not isinstance(value, str) or value not in VALID_STATES:
        detail = f"{path}: {str(value)[:50]!r} is not one of up, degraded, down"
        return Reading(
            error=ObservationError.MALFORMED, detail=detail, latency_ms=fetched.latency_ms
        )
    return Reading(state=value, latency_ms=fetched.latency_ms)


def health_urls() -> dict[str, str]:
    """Each system's configured health URL (systems without one are left out)."""
    return {code: url for code, url in settings.HEALTH_URLS.items() if url}


def read_systems(systems: list[UpstreamSystem]) -> dict[str, Reading]:
    """Fetch each distinct health URL once and read every system's state from it."""
    urls = health_urls()
    fetched = {url: fetch(url) for url in {urls[s.code] for s in systems if s.code in urls}}
    unconfigured = Reading(error=ObservationError.CONNECTION, detail="no health URL configured")
    return {
        s.code: read_field(fetched[urls[s.code]], s.health_field)
        if s.code in urls
        else unconfigured
        for s in systems
    }


# --- Hysteresis and recording -------------------------------------------------------------


def apply_reading(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    """Update a system's observed state from one reading, with hysteresis (not saved)."""
    if reading.ok:
        _apply_success(system, reading, now)
    else:
        _apply_failure(system, reading, now)


def _apply_success(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    system.consecutive_failures = 0
    system.consecutive_successes += 1
    system.checked_at = now
    failed_down = system.observed_state == SystemState.DOWN and system.observed_error
    believed = (
        not failed_down
        or reading.state == SystemState.DOWN  # its own word agrees: no need to wait
        or system.consecutive_successes >= settings.RECOVER_THRESHOLD
    )
    if believed:
        system.observed_state, system.observed_error = reading.state, ""
    # Otherwise: reachable again but not believed yet, it stays down (and fresh).


def _apply_failure(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    system.consecutive_successes = 0
    system.consecutive_failures += 1
    if system.consecutive_failures >= settings.FAIL_THRESHOLD:
        # Conclusive: the poller runs and cannot get an answer, so the data is fresh.
        system.observed_state, system.observed_error = SystemState.DOWN, reading.error
        system.checked_at = now
    # Below the threshold the last conclusive state stands, and ages towards staleness.


def record_readings(readings: dict[str, Reading], now: datetime) -> Published:
    """Record one observation per system, apply hysteresis and recompute, atomically."""
    with transaction.atomic():
        systems = list(UpstreamSystem.objects.select_for_update().order_by("pk"))
        catch_up(now)  # what time changed while nothing recorded, before new observations
        for system in systems:
            reading = readings.get(system.code)
            if reading is not None:
                _observe(system, reading, now)
        return recompute(now=now, cause=Cause.SYSTEM)


def _observe(system: UpstreamSystem, reading: Reading, now: datetime) -> None:
    metrics.observe_poll(system.code, reading.error or reading.state, reading.latency_ms)
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


# --- Polling ------------------------------------------------------------------------------


def poll_systems() -> dict[str, Reading]:
    """Poll every system once, record observations, update states and recompute."""
    # The HTTP requests run outside any transaction: no lock is held while waiting on them.
    readings = read_systems(list(UpstreamSystem.objects.all()))
    record_readings(readings, timezone.now())
    return readings


def poll_once_exclusively(wait: float = 0) -> dict[str, Reading] | None:
    """Poll unless another poll runs (waiting up to ``wait`` s); return the readings or None."""
    with single_flight(LOCK_NAME, timeout=lock_timeout(), wait=wait) as acquired:
        if not acquired:
            log.info("another poll is running; skipping this one")
            return None
        return poll_systems()


def lock_timeout() -> float:
    """How long the poll lock lasts: ``POLL_LOCK_TIMEOUT_SECONDS``, else the poll budget."""
    return settings.POLL_LOCK_TIMEOUT_SECONDS or poll_budget()


def poll_budget() -> float:
    """The longest a poll can take: every distinct URL timing out, plus the recording."""
    per_url = settings.HEALTH_CONNECT_TIMEOUT + settings.HEALTH_READ_TIMEOUT
    return len(set(health_urls().values())) * per_url + LOCK_MARGIN_SECONDS


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
