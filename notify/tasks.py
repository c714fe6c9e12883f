"""Celery tasks: thin shells around settling changes and sending the outbox."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from . import changes, delivery

log = logging.getLogger(__name__)
BATCH = 50  # rows per delivery task: mails of one batch share an SMTP connection


@shared_task(ignore_result=True)
def observe_changes_task() -> int:
    """Settle each office's changes; tell those that have settled."""
    return len(changes.observe().notifications)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def deliver_notifications_task(self, ids: list[int]) -> None:
    """Send outbox rows; retry the failed ones after their backoff."""
    retry = delivery.deliver(ids)
    if retry is not None:
        raise self.retry(args=[retry.ids], countdown=retry.delay)


@shared_task(ignore_result=True)
def dispatch_due_notifications_task() -> int:
    """Hand rows that are due, or abandoned by a killed worker, to delivery tasks."""
    ids = delivery.due_ids(timezone.now())
    dispatch(ids)
    return len(ids)


def dispatch(ids: list[int]) -> None:
    """Queue delivery of ``ids``; if the broker is down, the sweeper will find them."""
    try:
        for start in range(0, len(ids), BATCH):
            deliver_notifications_task.delay(ids[start : start + BATCH])
    except Exception:
        log.warning("could not queue %d notifications; the sweeper will", len(ids), exc_info=True)


def schedule_observation(delay: float) -> None:
    """Observe again when a pending change will have settled."""
    try:
        observe_changes_task.apply_async(countdown=delay + 0.5)
    except Exception:
        log.warning("could not schedule an observation; beat will run one", exc_info=True)
