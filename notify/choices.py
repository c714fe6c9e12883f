"""The states and kinds of notifications, defined once."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    MAIL = "mail", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryState(models.TextChoices):
    """Where one outbox row stands."""

    PENDING = "pending", "Pending"  # waiting for its first or next attempt
    SENDING = "sending", "Sending"  # claimed by a worker until its lease ends
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after the last attempt
    CANCELLED = "cancelled", "Cancelled"  # the subscriber left before it was sent


class ChangeKind(models.TextChoices):
    """What changed at an office."""

    OFFICE = "office", "Office"  # the office closed or reopened
    STAGE = "stage", "Stage"
    SERVICE = "service", "Service"
    ADVISORY = "advisory", "Advisory"  # published or ended


class OfficeOpenness(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AdvisoryPresence(models.TextChoices):
    PUBLISHED = "published", "Published"
    ENDED = "ended", "Ended"
