"""Celery tasks: thin shells around the portal's functions."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import history


@shared_task(ignore_result=True)
def rollup_history_task() -> int:
    """Store every office's complete days missing from the history roll-up, and forget the
    days no page shows any more."""
    now = timezone.now()
    history.prune_rollup(now)
    return history.fill_rollup(now)
