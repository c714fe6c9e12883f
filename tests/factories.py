"""Small helpers to put the seeded world into a given state."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from services.models import UpstreamSystem


def set_systems(now: datetime | None = None, **states: str) -> None:
    """Record fresh poller observations, e.g. ``set_systems(pdn="degraded", cekal="down")``."""
    now = now or timezone.now()
    for code, state in states.items():
        UpstreamSystem.objects.filter(code=code).update(
            observed_state=state, observed_error="", checked_at=now
        )
