"""Signals the domain core sends to the apps built on it (which it must not import)."""

from __future__ import annotations

import logging

from django.dispatch import Signal

from .models import StatusEvent, UpstreamSystem

log = logging.getLogger(__name__)

# Sent after the transaction that recorded a system's transition has committed, with
# ``event`` (the StatusEvent: system, old_state, new_state, cause, reason, actor, at).
system_state_changed = Signal()

# Sent while a recompute still holds its lock, after the snapshot is stored and before it is
# named to readers, with ``bundle``: the apps build what readers ask for first, so that no
# reader finds the new snapshot without it (a reader would otherwise build it on a request).
snapshot_ready = Signal()

# Sent after a recompute's transaction has committed, with ``bundle`` (the snapshot it
# published): the apps prepare what they serve from it where the change was made, once.
snapshot_published = Signal()


def send_system_state_changed(event: StatusEvent) -> None:
    """Announce a committed system transition; a failing receiver is logged, not raised."""
    results = system_state_changed.send_robust(sender=UpstreamSystem, event=event)
    for receiver, result in results:
        if isinstance(result, Exception):
            log.error("system_state_changed receiver %r failed", receiver, exc_info=result)


def send_snapshot_ready(bundle) -> None:
    """Let the apps prepare ``bundle`` before readers see it; a failing receiver is logged,
    not raised: readers then build what it would have."""
    for receiver, result in snapshot_ready.send_robust(sender=UpstreamSystem, bundle=bundle):
        if isinstance(result, Exception):
            log.error("snapshot_ready receiver %r failed", receiver, exc_info=result)


def send_snapshot_published(bundle) -> None:
    """Announce a published snapshot; a failing receiver is logged, not raised."""
    for receiver, result in snapshot_published.send_robust(sender=UpstreamSystem, bundle=bundle):
        if isinstance(result, Exception):
            log.error("snapshot_published receiver %r failed", receiver, exc_info=result)
