"""Celery tasks: thin shells around the portal's functions."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import history


@shared_task(ignore_result=True)
def rollup_history_task() -> int:
    """Store every office's complete days missing from the history roll-up."""
    return history.fill_rollup(timezone.now())
