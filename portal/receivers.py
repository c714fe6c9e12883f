"""The portal's reactions to the domain core's signals."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from offices.models import Office
from services.choices import SystemState
from services.models import Stage, StatusEvent, UpstreamSystem
from services.signals import snapshot_ready, system_state_changed
from services.snapshot import recompute

from . import history, status
from .api.statuspage import SummaryView
from .api.statuspage_components import page_url
from .choices import AdvisoryPhase, AdvisorySeverity
from .models import Advisory, AdvisoryUpdate
from .prepared import LANGS
from .status import document_entry


@receiver(system_state_changed, dispatch_uid="portal.open_draft_advisory")
def open_draft_advisory(sender, event: StatusEvent, **kwargs) -> None:
    """When a system goes down, open a draft advisory for staff to review and publish; when
    it recovers, the drafted advisory follows."""
    if event.new_state == SystemState.DOWN:
        draft_advisory(event.system, event.at)
    elif event.new_state in (SystemState.UP, SystemState.DEGRADED):
        followed = follow_recovery(event.system, event.new_state, event.at)
        if any(advisory.published_at for advisory in followed):
            # The snapshot that saw the recovery was built before this: publish one that
            # shows the advisory's new phase, as the admin does after staff edit one.
            recompute()


@receiver(snapshot_ready, dispatch_uid="portal.prepare_documents")
def prepare_documents(sender, bundle, **kwargs) -> None:
    """Build the most read documents (the v1 status, the Statuspage summary) where the
    snapshot is published (for a poll: in the worker) and before readers are told of it, so
    that web processes take their bytes from the cache instead of each building them on a
    visitor's request."""
    status.prepare_documents(bundle)
    summary, url = SummaryView(), page_url()  # as the summary's view passes it
    for lang in LANGS:
        document_entry(bundle, ("v2", summary.name), lang, lambda b: summary.build(b, url))


@receiver(post_save, sender=Office, dispatch_uid="portal.forget_stale_history")
def forget_stale_history(sender, instance: Office, **kwargs) -> None:
    """When an office's opening hours or time zone change, drop its history roll-up."""
    history.forget_stale_days(instance)


def draft_advisory(system: UpstreamSystem, at) -> Advisory | None:
    """Create an unpublished advisory for ``system``, unless one is still open for it."""
    with transaction.atomic():
        if open_advisories(system, timezone.now()).exists():
            return None
        clock = timezone.localtime(at).strftime("%H.%M")
        advisory = Advisory.objects.create(
            title_id=f"Gangguan {system.name}",
            title_en=f"{system.name} outage",
            body_id=(
                f"{system.name} tidak tersedia sejak pukul {clock} WIB. Layanan yang "
                "memerlukan sistem ini dihentikan sementara. Tunda pengurusan yang tidak "
                "mendesak dan pantau pembaruan di halaman ini."
            ),
            body_en=(
                f"{system.name} has been unavailable since {clock} WIB. Services that need "
                "it are suspended. Please postpone non-urgent business and watch this page "
                "for updates."
            ),
            severity=AdvisorySeverity.MAJOR,
            phase=AdvisoryPhase.INVESTIGATING,
            drafted_for=system,
        )
        advisory.systems.add(system)
        advisory.offices.set(affected_offices(system))
        AdvisoryUpdate.objects.create(
            advisory=advisory,
            phase=AdvisoryPhase.INVESTIGATING,
            body_id=f"{system.name} terdeteksi tidak tersedia pukul {clock} WIB.",
            body_en=f"{system.name} detected unavailable at {clock} WIB.",
            at=at,
        )
    return advisory


def follow_recovery(system: UpstreamSystem, state: str, at) -> list[Advisory]:
    """Bring the advisories drafted for ``system`` up to date with its recovery.

    Up again: resolved, saying so (a draft never shown stays a draft, resolved, so it cannot
    be published telling of an outage that is over). Degraded: a "monitoring" update.
    """
    clock = timezone.localtime(at).strftime("%H.%M")
    up = state == SystemState.UP
    phase = AdvisoryPhase.RESOLVED if up else AdvisoryPhase.MONITORING
    how_id, how_en = ("normal", "working normally") if up else ("sebagian", "partly working")
    text_id = f"{system.name} kembali berfungsi {how_id} sejak pukul {clock} WIB."
    text_en = f"{system.name} has been {how_en} again since {clock} WIB."
    followed = []
    with transaction.atomic():
        drafted = open_advisories(system, timezone.now()).filter(drafted_for=system)
        for advisory in drafted.select_for_update():
            advisory.phase = phase
            if phase == AdvisoryPhase.RESOLVED:
                advisory.body_id, advisory.body_en = text_id, text_en
            advisory.save(update_fields=["phase", "body_id", "body_en", "updated_at"])
            AdvisoryUpdate.objects.create(
                advisory=advisory, phase=phase, body_id=text_id, body_en=text_en, at=at
            )
            followed.append(advisory)
    return followed


def open_advisories(system: UpstreamSystem, now):
    """Advisories about ``system`` that are not resolved and not past their window."""
    return (
        Advisory.objects.filter(systems=system)
        .exclude(phase=AdvisoryPhase.RESOLVED)
        .filter(Q(published_until__isnull=True) | Q(published_until__gt=now))
    )


def affected_offices(system: UpstreamSystem):
    """Offices with at least one stage that needs ``system``."""
    stages = Stage.objects.filter(requirements__system=system)
    if stages.filter(tpi_only=False).exists():
        return Office.objects.all()
    if stages.exists():
        return Office.objects.filter(tpi=True)
    return Office.objects.none()
