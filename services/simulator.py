"""The simulated PDN: its health document and the faults it can be told to show."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .choices import FaultMode, SystemState
from .models import SimulatedPdn

PDN_STATES = (SystemState.UP, SystemState.DEGRADED, SystemState.DOWN)
CEKAL_STATES = (SystemState.UP, SystemState.DOWN)


def health_document(pdn: SimulatedPdn) -> dict:
    """The JSON the simulator serves when it behaves."""
    return {
        "status": pdn.status,
        "components": {"cekal": pdn.cekal},
        "updated_at": timezone.localtime(pdn.updated_at).isoformat(),
    }


def set_state(status: str, cekal: str | None = None) -> SimulatedPdn:
    """Set the simulated PDN's status (and cekal's, when given)."""
    if status not in PDN_STATES:
        raise ValueError(f"PDN state must be one of {', '.join(PDN_STATES)}")
    if cekal is not None and cekal not in CEKAL_STATES:
        raise ValueError(f"cekal state must be one of {', '.join(CEKAL_STATES)}")
    with transaction.atomic():
        pdn = SimulatedPdn.load()
        pdn.status = status
        if cekal is not None:
            pdn.cekal = cekal
        # Only these fields: a concurrent ``set_fault`` must not be undone.
        pdn.save(update_fields=["status", "cekal", "updated_at"])
    return pdn


def set_fault(fault: str) -> SimulatedPdn:
    """Make the simulator misbehave (or behave again, with ``none``)."""
    if fault not in FaultMode.values:
        raise ValueError(f"fault must be one of {', '.join(FaultMode.values)}")
    pdn = SimulatedPdn.load()
    pdn.fault = fault
    pdn.save(update_fields=["fault"])  # updated_at tells when the reported state changed
    return pdn
