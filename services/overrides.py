"""Staff decisions: overrides, office closures and manual system declarations.

The admin, the API and the management commands all change state through these functions,
so validation, office scope and the audit trail are the same whichever door is used.
Each write and its recompute share one transaction: the snapshot is published before it
commits, so the very next request sees the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from offices.models import Office, OfficeClosure

from .choices import Cause, ForcedState, SystemState
from .models import Override, Service, Stage, UpstreamSystem
from .snapshot import recompute

DECLARE_PERMISSION = "services.change_upstreamsystem"


def check_offices_scope(user, offices: Iterable[Office]) -> None:
    """Refuse a change touching any office the user may not act on (one query)."""
    if user is None:
        return
    wanted = {office.pk: office for office in offices}
    allowed = set(Office.objects.for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))
    refused = [office.code for pk, office in wanted.items() if pk not in allowed]
    if refused:
        raise PermissionDenied(f"{user} may not change office {', '.join(sorted(refused))}")


def check_system_permission(user) -> None:
    """Refuse a system declaration by anyone but regional staff and superusers."""
    if user is None:
        return
    if not (user.is_active and user.has_perm(DECLARE_PERMISSION)):
        raise PermissionDenied(f"{user} may not declare the state of a system")


# --- Overrides ------------------------------------------------------------------------------


def validate_override(
    office: Office | None,
    *,
    stage: Stage | None,
    service: Service | None,
    state: str,
    reason: str,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    """Raise ``ValidationError`` naming the field for an override that cannot be saved.

    Each error has a code and its names as params, so the admin can say it in the staff's
    language; the message itself is the API's English. Without an office, only the rules
    that do not depend on one are checked.
    """
    errors: dict[str, ValidationError] = {}
    if (stage is None) == (service is None):
        errors["stage"] = ValidationError("Choose either a stage or a service.", code="target")
    if state not in ForcedState.values:
        errors["state"] = ValidationError(
            f"State must be one of {', '.join(ForcedState.values)}.", code="state"
        )
    if not (reason or "").strip():
        errors["reason"] = ValidationError("A reason is required.", code="reason")
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = ValidationError(
            "The expiry must be in the future.", code="expiry_past"
        )
    if (
        office is not None
        and service is not None
        and not service.offices.filter(pk=office.pk).exists()
    ):
        errors["service"] = ValidationError(
            "%(office)s does not offer %(service)s.",
            code="not_offered",
            params={"office": office.name, "service": service.name_en, "target": service},
        )
    if office is not None and stage is not None and stage.tpi_only and not office.tpi:
        errors["stage"] = ValidationError(
            "%(office)s has no checkpoint stage %(stage)s.",
            code="no_checkpoint",
            params={"office": office.name, "stage": stage.name_en, "target": stage},
        )
    if errors:
        raise ValidationError(errors)


def validate_overrides(offices: Iterable[Office], *, now: datetime, **override) -> None:
    """Validate one override per office; raise every distinct error, naming its field."""
    offices = list(offices)
    errors: dict[str, list[ValidationError]] = {}
    if not offices:
        errors["office"] = [ValidationError("Choose at least one office.", code="no_office")]
    for office in offices or [None]:
        try:
            validate_override(office, now=now, **override)
        except ValidationError as error:
            for name, found in error.error_dict.items():
                known = errors.setdefault(name, [])
                seen = {m for e in known for m in e.messages}
                known.extend(e for e in found if e.messages[0] not in seen)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]


def create_overrides(
    offices: Iterable[Office],
    *,
    state: str,
    reason: str,
    stage: Stage | None = None,
    service: Service | None = None,
    expires_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> list[Override]:
    """Force a stage or service at several offices: all of them or none, one recompute."""
    now = now or timezone.now()
    offices = list(offices)
    check_offices_scope(actor, offices)
    target = {"stage": stage, "service": service}
    validate_overrides(
        offices, now=now, state=state, reason=reason, expires_at=expires_at, **target
    )
    with transaction.atomic():
        created = [
            Override.objects.create(
                office=office,
                state=state,
                reason=reason.strip(),
                expires_at=expires_at,
                actor=actor,
                **target,
            )
            for office in offices
        ]
        recompute(actor=actor, cause=Cause.OVERRIDE)
    return created


def create_override(
    office: Office,
    *,
    state: str,
    reason: str,
    stage: Stage | None = None,
    service: Service | None = None,
    expires_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> Override:
    """Force a stage or service open or closed at an office, and recompute."""
    return create_overrides(
        [office],
        state=state,
        reason=reason,
        stage=stage,
        service=service,
        expires_at=expires_at,
        actor=actor,
        now=now,
    )[0]


def clear_overrides(overrides: Iterable[Override], *, actor=None) -> int:
    """End overrides now (they stay in history); recompute once if any was still active."""
    return _end_now(Override, list(overrides), actor=actor, cause=Cause.OVERRIDE)


def clear_override(override: Override, *, actor=None) -> Override:
    """End an override now (it stays in history), and recompute."""
    clear_overrides([override], actor=actor)
    override.refresh_from_db()
    return override


def clear_office_overrides(offices: Iterable[Office], *, actor=None) -> list[Override]:
    """End every override still in force at these offices; return the ones that were."""
    offices = list(offices)
    check_offices_scope(actor, offices)
    active = Override.objects.active(timezone.now()).filter(office__in=offices)
    cleared = list(active.select_related("office", "stage", "service"))
    clear_overrides(cleared, actor=actor)
    return cleared


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


# --- Office closures ------------------------------------------------------------------------


def validate_closure(
    *, reason: str, starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> None:
    """Raise ``ValidationError`` naming the field for a closure window that cannot be saved."""
    errors: dict[str, ValidationError] = {}
    if not (reason or "").strip():
        errors["reason"] = ValidationError("A reason is required.", code="reason")
    if starts_at is None:
        errors["starts_at"] = ValidationError("A start is required.", code="no_start")
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = ValidationError(
            "The closure must end after it starts.", code="ends_before_start"
        )
    if ends_at is not None and ends_at <= now and "ends_at" not in errors:
        errors["ends_at"] = ValidationError("The closure must end in the future.", code="ends_past")
    if errors:
        raise ValidationError(errors)


def close_offices(
    offices: Iterable[Office],
    *,
    reason: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> list[OfficeClosure]:
    """Close several offices for one window: all of them or none, one recompute."""
    now = now or timezone.now()
    offices = list(offices)
    check_offices_scope(actor, offices)
    validate_closure(reason=reason, starts_at=starts_at, ends_at=ends_at, now=now)
    if not offices:
        raise ValidationError(
            {"office": ValidationError("Choose at least one office.", code="no_office")}
        )
    with transaction.atomic():
        closures = [
            OfficeClosure.objects.create(
                office=office,
                reason=reason.strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                actor=actor,
            )
            for office in offices
        ]
        recompute(actor=actor, cause=Cause.CLOSURE)
    return closures


def close_office(
    office: Office,
    *,
    reason: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> OfficeClosure:
    """Close a whole office for a window, and recompute."""
    return close_offices(
        [office], reason=reason, starts_at=starts_at, ends_at=ends_at, actor=actor, now=now
    )[0]


def end_closures(closures: Iterable[OfficeClosure], *, actor=None) -> int:
    """End closures now, or cancel them before they start; their rows stay in history."""
    return _end_now(OfficeClosure, list(closures), actor=actor, cause=Cause.CLOSURE)


def _end_now(model, rows: list, *, actor, cause: str) -> int:
    """Mark overrides or closures ended now; recompute once if any was still in force."""
    check_offices_scope(actor, [row.office for row in rows])
    with transaction.atomic():
        # Conditional update: a row ended twice at once is recorded once.
        count = model.objects.filter(
            pk__in=[row.pk for row in rows], cleared_at__isnull=True
        ).update(cleared_at=timezone.now(), cleared_by=actor)
        if count:
            recompute(actor=actor, cause=cause)
    return count


def end_closure(closure: OfficeClosure, *, actor=None) -> OfficeClosure:
    """End one closure now, and recompute."""
    end_closures([closure], actor=actor)
    closure.refresh_from_db()
    return closure


# --- System declarations --------------------------------------------------------------------


def declare_system(
    system: UpstreamSystem, *, state: str, reason: str, actor=None
) -> UpstreamSystem:
    """Declare a system's state by hand; it wins over the poller until cleared."""
    check_system_permission(actor)
    errors = {}
    if state not in SystemState.values:
        errors["state"] = ValidationError(
            f"State must be one of {', '.join(SystemState.values)}.", code="state"
        )
    if not (reason or "").strip():
        errors["reason"] = ValidationError("A reason is required.", code="reason")
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
    check_system_permission(actor)
    with transaction.atomic():
        UpstreamSystem.objects.filter(pk=system.pk).update(
            manual_state="", manual_reason="", manual_actor=actor, manual_at=timezone.now()
        )
        recompute(actor=actor, cause=Cause.DECLARATION)
    system.refresh_from_db()
    return system
