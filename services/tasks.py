"""Celery tasks: thin shells around the polling and status functions."""

from __future__ import annotations

from celery import shared_task

from . import overrides, polling


@shared_task(ignore_result=True)
def poll_systems_task() -> bool:
    """Poll every upstream system once, unless a poll is already running."""
    return polling.poll_once_exclusively() is not None


@shared_task(ignore_result=True)
def expire_overrides_task() -> int:
    """Close expired overrides and recompute when any did."""
    return overrides.expire_overrides()


@shared_task(ignore_result=True)
def prune_observations_task() -> int:
    """Delete health observations past their retention."""
    return polling.prune_observations()
