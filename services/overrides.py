"""Staff decisions: overrides, office closures and manual system declarations.

The admin, the API and the management commands all change state through these functions,
so validation, office scope and the audit trail are the same whichever door is used.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from offices.models import Office, OfficeClosure

from .choices import Cause, ForcedState, SystemState
from .models import Override, Service, Stage, UpstreamSystem
from .snapshot import recompute


def check_office_scope(user, office: Office) -> None:
    """Refuse a change to an office the user may not act on."""
    if user is None:  # system actors: management commands, the scenario replay
        return
    if not Office.objects.for_user(user).filter(pk=office.pk).exists():
        raise PermissionDenied(f"{user} may not change office {office.code}")


def validate_override(
    office: Office,
    *,
    stage: Stage | None,
    service: Service | None,
    state: str,
    reason: str,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    """Raise ``ValidationError`` naming the field for an override that cannot be saved."""
    errors: dict[str, str] = {}
    if (stage is None) == (service is None):
        errors["stage"] = "Choose either a stage or a service."
    if state not in ForcedState.values:
        errors["state"] = f"State must be one of {', '.join(ForcedState.values)}."
    if not (reason or "").strip():
        errors["reason"] = "A reason is required."
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    if service is not None and not service.offices.filter(pk=office.pk).exists():
        errors["service"] = f"{office.name} does not offer {service.name_en}."
    if stage is not None and stage.tpi_only and not office.tpi:
        errors["stage"] = f"{office.name} has no checkpoint stage {stage.name_en}."
    if errors:
        raise ValidationError(errors)


def create_override(
    office: Office,
    *,
    state: str,
    reason: str,
    stage: Stage | None = None,
    service: Service | None = None,
    expires_at: datetime | None = None,
    actor=None,
) -> Override:
    """Force a stage or service open or closed at an office, and recompute."""
    now = timezone.now()
    check_office_scope(actor, office)
    validate_override(
        office,
        stage=stage,
        service=service,
        state=state,
        reason=reason,
        expires_at=expires_at,
        now=now,
    )
    with transaction.atomic():
        override = Override.objects.create(
            office=office,
            stage=stage,
            service=service,
            state=state,
            reason=reason.strip(),
            expires_at=expires_at,
            actor=actor,
        )
        recompute(actor=actor, cause=Cause.OVERRIDE)
    return override


def clear_override(override: Override, *, actor=None) -> Override:
    """End an override now (it stays in history), and recompute."""
    check_office_scope(actor, override.office)
    with transaction.atomic():
        updated = Override.objects.filter(pk=override.pk, cleared_at__isnull=True).update(
            cleared_at=timezone.now(), cleared_by=actor
        )
        if updated:
            recompute(actor=actor, cause=Cause.OVERRIDE)
    override.refresh_from_db()
    return override


def expire_overrides(now: datetime | None = None) -> int:
    """Mark overrides past their expiry as cleared; recompute if any were."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Override.objects.filter(cleared_at__isnull=True, expires_at__lte=now).update(
            cleared_at=now
        )
        if count:
            recompute(now=now, cause=Cause.OVERRIDE)
    return count


def close_office(
    office: Office, *, reason: str, starts_at: datetime, ends_at: datetime | None = None, actor=None
) -> OfficeClosure:
    """Close a whole office for a window, and recompute."""
    check_office_scope(actor, office)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "A reason is required."
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "The closure must end after it starts."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        closure = OfficeClosure.objects.create(
            office=office, reason=reason.strip(), starts_at=starts_at, ends_at=ends_at, actor=actor
        )
        recompute(actor=actor, cause=Cause.CLOSURE)
    return closure


def declare_system(
    system: UpstreamSystem, *, state: str, reason: str, actor=None
) -> UpstreamSystem:
    """Declare a system's state by hand; it wins over the poller until cleared."""
    errors = {}
    if state not in SystemState.values:
        errors["state"] = f"State must be one of {', '.join(SystemState.values)}."
    if not (reason or "").strip():
        errors["reason"] = "A reason is required."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        UpstreamSystem.objects.filter(pk=system.pk).update(
            manual_state=state,
            manual_reason=reason.strip(),
            manual_actor=actor,
            manual_at=timezone.now(),
        )
        recompute(actor=actor, cause=Cause.DECLARATION)
    system.refresh_from_db()
    return system


def clear_declaration(system: UpstreamSystem, *, actor=None) -> UpstreamSystem:
    """Hand a system back to the poller."""
    with transaction.atomic():
        UpstreamSystem.objects.filter(pk=system.pk).update(
            manual_state="", manual_reason="", manual_actor=actor, manual_at=timezone.now()
        )
        recompute(actor=actor, cause=Cause.DECLARATION)
    system.refresh_from_db()
    return system
