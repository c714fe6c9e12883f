"""Who is told of changes (visitors by e-mail, systems by webhook), what was last told per
office, and the outbox: one row per notification, claimed with a conditional update."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from offices.models import Office
from services.models import Service

from .choices import Channel, DeliveryState


class SubscriberQuerySet(models.QuerySet):
    def active(self) -> SubscriberQuerySet:
        """Confirmed subscriptions that were not ended."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Subscriber(models.Model):
    """A visitor's e-mail subscription to one office, optionally narrowed to services."""

    email = models.EmailField(max_length=254)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="subscribers")
    services = models.ManyToManyField(
        Service, blank=True, related_name="subscribers", help_text="None: every service."
    )
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="id")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["email", "office"], name="one_subscription_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.office_id}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class OfficeWatch(models.Model):
    """What subscribers were last told about one office, and a change waiting to settle."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, primary_key=True, related_name="watch"
    )
    notified = models.JSONField(null=True, blank=True)
    pending = models.JSONField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.office_id)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Webhook(models.Model):
    """A system's subscription: signed deliveries of changes at some offices to a URL."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    offices = models.ManyToManyField(
        Office, blank=True, related_name="webhooks", help_text="None: every office."
    )
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.url}"

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, now: datetime, reason: str) -> None:
        """Stop deliveries until the owner resumes, saying why."""
        self.paused_at, self.paused_reason = now, reason[:500]
        self.save(update_fields=["paused_at", "paused_reason"])

    def resume(self) -> None:
        self.paused_at, self.paused_reason, self.consecutive_failures = None, "", 0
        self.save(update_fields=["paused_at", "paused_reason", "consecutive_failures"])


class NotificationQuerySet(models.QuerySet):
    def due(self, now: datetime) -> NotificationQuerySet:
        """Rows a worker may claim now: waiting and due, or claimed by a worker that
        did not finish before its lease ran out (killed mid-send)."""
        waiting = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        abandoned = Q(state=DeliveryState.SENDING, lease_until__lte=now)
        return self.filter(waiting | abandoned).exclude(webhook__paused_at__isnull=False)


class Notification(models.Model):
    """One notification to one recipient (a mail or a webhook delivery): the outbox and the
    delivery log. Its ``message_id`` stays the same across attempts."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_due")]

    def __str__(self) -> str:
        return self.message_id
