"""Immigration services, their stages, the upstream systems they need, and their history."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offices.models import Office

from . import states
from .choices import (
    Cause,
    FaultMode,
    ForcedState,
    MinimumState,
    ObservationError,
    ServiceMode,
    StateSource,
    SystemState,
)


def state_word(value: str) -> str:
    """A recorded state's word in the active language ("∅" for none)."""
    state = states.VisitorState.lookup(value) or states.SystemState.lookup(value)
    return state.label(get_language()) if state else value or "∅"


class UpstreamSystem(models.Model):
    """A central system the offices depend on (PDN, cekal), and what is known of its health."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    health_field = models.CharField(
        max_length=100,
        default="status",
        help_text=_('Dotted path of the state in the health document, e.g. "components.cekal".'),
    )
    position = models.PositiveIntegerField(default=0)
    observed_state = models.CharField(max_length=10, choices=SystemState.choices, blank=True)
    observed_error = models.CharField(max_length=20, choices=ObservationError.choices, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True, help_text=_("Last conclusive poll."))
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    manual_state = models.CharField(max_length=10, choices=SystemState.choices, blank=True)
    manual_reason = models.CharField(max_length=500, blank=True)
    manual_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manual_at = models.DateTimeField(null=True, blank=True)
    # The effective state last recorded by a recompute, and since when; events compare to it.
    state = models.CharField(
        max_length=10, choices=SystemState.choices, default=SystemState.UNKNOWN
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return StateSource.MANUAL if self.manual_state else StateSource.POLLER


class Stage(models.Model):
    """One step of an office's service flow (interview, biometrics, printing…)."""

    code = models.SlugField(unique=True)
    name_id = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    order = models.PositiveIntegerField()
    tpi_only = models.BooleanField(default=False, help_text=_("Only at offices with a checkpoint."))
    systems = models.ManyToManyField(
        UpstreamSystem, through="StageRequirement", related_name="stages"
    )

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name_en


class StageRequirement(models.Model):
    """A stage needs a system to be at least in some state."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="requirements")
    system = models.ForeignKey(
        UpstreamSystem, on_delete=models.CASCADE, related_name="requirements"
    )
    minimum_state = models.CharField(max_length=10, choices=MinimumState.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stage", "system"], name="unique_requirement")
        ]

    def __str__(self) -> str:
        return f"{self.stage.code} needs {self.system.code} ≥ {self.minimum_state}"


class Service(models.Model):
    """A public service (passport, stay permit…) made of ordered stages."""

    code = models.SlugField(unique=True)
    name_id = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    mode = models.CharField(max_length=20, choices=ServiceMode.choices)
    position = models.PositiveIntegerField(default=0)
    stages = models.ManyToManyField(Stage, through="ServiceStage", related_name="services")
    offices = models.ManyToManyField(Office, related_name="services", blank=True)
    season_start = models.DateField(null=True, blank=True)
    season_end = models.DateField(null=True, blank=True, help_text=_("Last day of the season."))

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(season_start__isnull=True)
                | Q(season_end__isnull=True)
                | Q(season_end__gte=models.F("season_start")),
                name="season_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name_en


class ServiceStage(models.Model):
    """The place of a stage in a service's flow."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_stages")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "stage"], name="unique_service_stage")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}#{self.order}: {self.stage_id}"


class OverrideQuerySet(models.QuerySet):
    def active(self, now: datetime) -> OverrideQuerySet:
        """Overrides in force at ``now``."""
        return self.filter(cleared_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Override(models.Model):
    """Staff force a stage or a service open or closed at an office, for a stated reason."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="overrides")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE)
    state = models.CharField(max_length=10, choices=ForcedState.choices)
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(stage__isnull=False) & Q(service__isnull=True))
                | (Q(stage__isnull=True) & Q(service__isnull=False)),
                name="override_targets_stage_or_service",
            )
        ]

    def __str__(self) -> str:
        target = self.stage.code if self.stage_id else self.service.code
        return f"{self.office.code}/{target} → {self.get_state_display().lower()}"


class CurrentState(models.Model):
    """The effective state last recorded for one stage or service at one office."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10)
    cause = models.CharField(max_length=20, choices=Cause.choices, blank=True)
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "stage"],
                name="unique_current_stage",
                condition=Q(stage__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["office", "service"],
                name="unique_current_service",
                condition=Q(service__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.stage_id or self.service_id}: {self.state}"


class StatusEvent(models.Model):
    """One change of an effective state. Append-only: history, feeds and uptime read these."""

    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    system = models.ForeignKey(
        UpstreamSystem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=_("The system whose state changed, or whose state caused the change."),
    )
    old_state = models.CharField(
        max_length=10, blank=True, help_text=_("Blank: not listed before.")
    )
    new_state = models.CharField(max_length=10, blank=True, help_text=_("Blank: no longer listed."))
    cause = models.CharField(max_length=20, choices=Cause.choices)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["office", "stage", "at"]),
            models.Index(fields=["system", "at"]),
        ]

    def __str__(self) -> str:
        subject = self.system.code if self.office_id is None else self.office.code
        old, new = state_word(self.old_state), state_word(self.new_state)
        return f"{subject}: {old} → {new} ({self.get_cause_display()})"


class HealthObservation(models.Model):
    """One poll of one system: the state it reported, or why the poll failed."""

    system = models.ForeignKey(
        UpstreamSystem, on_delete=models.CASCADE, related_name="observations"
    )
    state = models.CharField(max_length=10, choices=SystemState.choices, blank=True)
    error = models.CharField(max_length=20, choices=ObservationError.choices, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["system", "-at"])]

    def __str__(self) -> str:
        return f"{self.system.code} {self.state or self.error} @ {self.at:%Y-%m-%d %H:%M:%S}"


class SimulatedPdn(models.Model):
    """The simulated PDN's health, as served at /simulator/pdn/health. One row."""

    status = models.CharField(
        max_length=10,
        choices=[(s, s) for s in (SystemState.UP, SystemState.DEGRADED, SystemState.DOWN)],
        default=SystemState.UP,
    )
    cekal = models.CharField(
        max_length=10,
        choices=[(s, s) for s in (SystemState.UP, SystemState.DOWN)],
        default=SystemState.UP,
    )
    fault = models.CharField(max_length=10, choices=FaultMode.choices, default=FaultMode.NONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("simulated PDN")
        verbose_name_plural = _("simulated PDN")

    def __str__(self) -> str:
        pdn, cekal = state_word(self.status), state_word(self.cekal)
        return f"PDN: {pdn}; cekal: {cekal}; {self.get_fault_display()}"

    @classmethod
    def load(cls) -> SimulatedPdn:
        """Return the one row, creating it on first use."""
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Revision(models.Model):
    """A counter bumped by every recompute. Its row is the lock that serializes them."""

    number = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="When time alone changes the recorded snapshot."
    )

    def __str__(self) -> str:
        return f"revision {self.number}"

    @classmethod
    def lock(cls) -> Revision:
        """Return the one row, locked until the end of the transaction."""
        return cls.objects.select_for_update().get_or_create(pk=1)[0]
