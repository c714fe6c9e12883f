"""Advisories: what staff tell the public, in both languages; API tokens for other systems;
the daily roll-up of the office pages' history bars."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import Office
from services.choices import SystemState
from services.models import Stage, UpstreamSystem

from .choices import AdvisoryPhase, AdvisorySeverity


class AdvisoryQuerySet(models.QuerySet):
    def published(self, now: datetime) -> AdvisoryQuerySet:
        """Advisories visible to the public at ``now``."""
        running = Q(published_until__isnull=True) | Q(published_until__gt=now)
        return self.ever_published(now).filter(running)

    def ever_published(self, now: datetime) -> AdvisoryQuerySet:
        """Advisories the public has seen by ``now``, ended ones included (their pages stay,
        as the feed and the v2 API keep linking to them)."""
        return self.filter(published_at__isnull=False, published_at__lte=now)


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
    # Set on the draft the portal opens when a system goes down: it follows that system
    # (updated as it recovers, resolved when it is up again).
    drafted_for = models.ForeignKey(
        UpstreamSystem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Drafted by the portal for this system's outage; it follows the system's state.",
    )

    objects = AdvisoryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "advisories"

    def __str__(self) -> str:
        return self.title_id

    def clean(self) -> None:
        """Refuse publishing a drafted outage advisory that the system's state contradicts."""
        system = self.drafted_for
        if (
            system is not None
            and self.published_at is not None
            and self.phase != AdvisoryPhase.RESOLVED
            and system.state == SystemState.UP
        ):
            raise ValidationError(
                _(
                    "%(system)s is working normally again: this advisory cannot be published "
                    "as an outage. Set its phase to resolved."
                )
                % {"system": system.name}
            )

    def ended_at(self, now: datetime) -> datetime | None:
        """When the advisory ended (resolved, or its publication over); None while it runs."""
        if self.phase == AdvisoryPhase.RESOLVED:
            return self.resolved_at
        if self.published_until is not None and self.published_until <= now:
            return self.published_until
        return None

    @property
    def resolved_at(self) -> datetime | None:
        """When it was resolved: its latest "resolved" update, else its last change."""
        if self.phase != AdvisoryPhase.RESOLVED:
            return None
        resolved = [u.at for u in self.updates.all() if u.phase == AdvisoryPhase.RESOLVED]
        return max(resolved, default=self.updated_at)


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


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        """Tokens that are not revoked and whose owner is still active."""
        return self.filter(revoked_at__isnull=True, owner__is_active=True)


class ApiToken(models.Model):
    """A secret another system sends to change state through the API, acting as its owner.

    Only a SHA-256 digest of the secret is stored; the secret is shown once, when issued.
    """

    PREFIX = "sli_"

    name = models.CharField(max_length=100, help_text="Which system uses this token.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="Writes made with this token are recorded as this user's, in this user's "
        "office scope.",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="The secret's first letters.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    def set_secret(self, secret: str) -> None:
        """Store the digest of ``secret`` (and its first letters, to recognise it)."""
        self.digest = self.digest_of(secret)
        self.hint = secret[: len(self.PREFIX) + 4]

    @classmethod
    def issue(cls, owner, name: str) -> tuple[ApiToken, str]:
        """Create a token; return it with its secret, which is not stored anywhere."""
        secret = cls.new_secret()
        token = cls(owner=owner, name=name)
        token.set_secret(secret)
        token.save()
        return token, secret

    def revoke(self) -> None:
        """Stop the token working from now on (it stays listed, for the record)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class StageDay(models.Model):
    """One stage's figures for one complete local day at one office: the history roll-up.

    A copy of ``history.stage_days`` output for a day that can no longer change, so the
    office page reads 90 days without scanning their events.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="In the office's time zone.")
    # The figures depend on the office's opening hours and time zone; a row computed under
    # others is ignored (and replaced) rather than trusted.
    basis = models.CharField(max_length=16, help_text="Digest of the hours and time zone used.")
    office_seconds = models.PositiveIntegerField()
    known_seconds = models.PositiveIntegerField()
    closed_seconds = models.PositiveIntegerField()
    unknown_seconds = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "stage", "day"], name="unique_stage_day")
        ]
        indexes = [models.Index(fields=["office", "day"])]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.stage_id} {self.day}"
