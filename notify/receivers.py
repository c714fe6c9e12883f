"""Notifications follow the domain core's published snapshots."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from services.signals import snapshot_published

from .tasks import observe_changes_task

log = logging.getLogger(__name__)


@receiver(snapshot_published, dispatch_uid="notify.observe_changes")
def observe_changes(sender, bundle, **kwargs) -> None:
    """A new snapshot may change what visitors were told: observe it in a worker."""
    try:
        observe_changes_task.apply_async(expires=60, retry=False)
    except Exception as exc:  # a broker outage must not fail the change; beat observes too
        log.warning("could not queue an observation of the new snapshot: %s", exc)
