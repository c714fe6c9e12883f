"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def poll_at_start(sender, **kwargs) -> None:
    """Queue a poll as beat starts, instead of waiting a whole interval for the first one."""
    from django.conf import settings

    for delay in settings.POLL_AT_START_SECONDS:
        sender.app.send_task(
            "services.tasks.poll_systems_task",
            countdown=delay,
            expires=delay + settings.POLL_INTERVAL_SECONDS,
        )
