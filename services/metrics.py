"""Prometheus metrics: defined once here, incremented where things happen, served at /metrics.

With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus-client's own variable, read by the
library), every process writes its counts into that folder and ``/metrics`` adds them up:
the gunicorn workers, and the Celery worker that polls, when they share the folder. Files
are named by host and process, so containers can share one volume. Without it, each process
reports only its own counts.

What the portal shows (each system's state, staleness, the age of the last poll) is not
counted but read at scrape time, by ``PortalStateCollector``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import states

log = logging.getLogger(__name__)


def _process_identifier() -> str:
    # Processes in different containers may share a PID; the file name is split on "_".
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


# prometheus-client chose its value class from PROMETHEUS_MULTIPROC_DIR when imported.
MULTIPROCESS = values.ValueClass is not values.MutexValue
if MULTIPROCESS:  # before any metric exists
    values.ValueClass = values.MultiProcessValue(_process_identifier)

REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered by the web, by route pattern, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time the web took to answer, by route pattern.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POLLS = Counter(
    "portal_polls",
    "Health polls of an upstream system, by result: the state it reported, or the error kind.",
    ["system", "result"],
)
POLL_SECONDS = Histogram(
    "portal_poll_latency_seconds",
    "How long an upstream health request took.",
    ["system"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0),
)
EVENTS = Counter(
    "portal_status_events",
    "Status events written (committed), by kind (stage, service, system) and cause.",
    ["kind", "cause"],
)
CACHE_LOOKUPS = Counter(
    "portal_cache_lookups",
    "Reads of prepared documents and pages from the shared cache, by result (hit, miss, or "
    "error: the cache did not answer and the process built its own).",
    ["result"],
)


def observe_poll(system: str, result: str, latency_ms: int) -> None:
    """Count one health poll of ``system``."""
    POLLS.labels(system=system, result=result).inc()
    POLL_SECONDS.labels(system=system).observe(latency_ms / 1000)


def count_events(events: Iterable) -> None:
    """Count committed ``StatusEvent`` rows."""
    for event in events:
        EVENTS.labels(kind=event_kind(event), cause=event.cause).inc()


def event_kind(event) -> str:
    if event.stage_id:
        return "stage"
    return "service" if event.service_id else "system"


STATE_METRICS = (
    "portal_system_state",
    "portal_snapshot_stale",
    "portal_snapshot_generated_timestamp_seconds",
    "portal_last_poll_timestamp_seconds",
)


class PortalStateCollector(Collector):
    """What the portal shows now, read from the published snapshot at each scrape."""

    def __init__(self, published, last_poll):
        self.published = published  # () -> services.snapshot.Published
        self.last_poll = last_poll  # () -> datetime | None

    def describe(self) -> Iterator[Metric]:
        """The names, without reading the state (a registry asks when the collector joins)."""
        for name in STATE_METRICS:
            yield GaugeMetricFamily(name, "")

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot = self.published().snapshot
            last: datetime | None = self.last_poll()
        except Exception as exc:  # the counts are still worth serving without the state
            log.warning("metrics: the portal's state is unavailable: %s", exc)
            return
        state = GaugeMetricFamily(
            "portal_system_state",
            "1 for the state the portal shows for each upstream system, 0 for the others.",
            labels=["system", "state"],
        )
        for system in snapshot.systems:
            for value in states.SystemState:
                state.add_metric([system.code, value.value], float(system.state == value.value))
        yield state
        yield GaugeMetricFamily(
            "portal_snapshot_stale",
            "1 when the portal says its data is stale (no recent conclusive poll).",
            value=float(snapshot.stale),
        )
        yield GaugeMetricFamily(
            "portal_snapshot_generated_timestamp_seconds",
            "When the snapshot the portal shows was computed.",
            value=snapshot.generated_at.timestamp(),
        )
        if last is not None:
            yield GaugeMetricFamily(
                "portal_last_poll_timestamp_seconds",
                "When the poller last recorded an observation (successful or not).",
                value=last.timestamp(),
            )
