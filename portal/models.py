"""Advisories: what staff tell the public, in both languages."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from offices.models import Office
from services.models import UpstreamSystem

from .choices import AdvisoryPhase, AdvisorySeverity


class AdvisoryQuerySet(models.QuerySet):
    def published(self, now: datetime) -> AdvisoryQuerySet:
        """Advisories visible to the public at ``now``."""
        return self.filter(published_at__isnull=False, published_at__lte=now).filter(
            Q(published_until__isnull=True) | Q(published_until__gt=now)
        )


class Advisory(models.Model):
    """A bilingual notice to the public about an outage or a change of service."""

    title_id = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    body_id = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    severity = models.CharField(
        max_length=10, choices=AdvisorySeverity.choices, default=AdvisorySeverity.INFO
    )
    phase = models.CharField(
        max_length=15, choices=AdvisoryPhase.choices, default=AdvisoryPhase.INVESTIGATING
    )
    offices = models.ManyToManyField(Office, blank=True, related_name="advisories")
    systems = models.ManyToManyField(UpstreamSystem, blank=True, related_name="advisories")
    published_at = models.DateTimeField(null=True, blank=True, help_text="Blank: a draft.")
    published_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AdvisoryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "advisories"

    def __str__(self) -> str:
        return self.title_id


class AdvisoryUpdate(models.Model):
    """One entry of an advisory's timeline."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="updates")
    phase = models.CharField(max_length=15, choices=AdvisoryPhase.choices)
    body_id = models.TextField()
    body_en = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.phase} @ {self.at:%Y-%m-%d %H:%M}"
