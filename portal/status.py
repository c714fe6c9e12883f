"""The public shape of a snapshot: the v1 status document, and its cached bytes.

A published snapshot is turned into JSON once per snapshot and language: by the process
that published it (``prepare_documents``, on ``snapshot_ready``) or by the first that
needs it, which shares the bytes through the cache (``portal.prepared``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict, cast

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from services.gating import OfficeStatus, ServiceStatus, StageStatus, SystemStatus
from services.snapshot import Published, published
from services.states import Cause, ServiceState, StageState

from .models import Advisory
from .prepared import (
    LANGS,
    VARY,
    Prepared,
    content_version,
    digest,
    json_bytes,
    prepare,
    rows,
)

log = logging.getLogger(__name__)


# --- The status document, typed: the pages read it as the API sends it -----------------------


class SystemDocument(TypedDict):
    code: str
    name: str
    state: str
    source: str
    checked_at: str | None
    changed_at: str | None


class StageDocument(TypedDict):
    code: str
    name: str
    state: str
    reason: str
    since: str | None


class ServiceDocument(TypedDict):
    code: str
    name: str
    state: str
    available_stages: list[str]
    waiting_stages: list[str]
    reason: str


class OfficeDocument(TypedDict):
    code: str
    name: str
    office_class: str
    tpi: bool
    stages: list[StageDocument]
    services: list[ServiceDocument]


class AdvisoryDocument(TypedDict):
    id: int
    title: str
    body: str
    severity: str
    phase: str
    offices: list[str]
    systems: list[str]
    published_at: str | None
    updated_at: str | None


class StatusDocument(TypedDict):
    generated_at: str | None
    stale: bool
    systems: list[SystemDocument]
    offices: list[OfficeDocument]
    advisories: list[AdvisoryDocument]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in WIB, or None."""
    return timezone.localtime(moment).isoformat() if moment else None


def stage_reason(status: StageStatus | ServiceStatus, bundle: Published) -> str:
    """Why a stage or service is not open, in the active language ("" when open)."""
    if status.state in (StageState.OPEN, ServiceState.OPEN) and status.cause != Cause.OVERRIDE:
        return ""
    if status.cause in (Cause.OVERRIDE, Cause.CLOSURE):
        return status.reason
    systems = ", ".join(bundle.system_names.get(c, c) for c in status.waiting_for)
    if status.state == StageState.UNKNOWN or status.cause == Cause.STALE:
        return _("Status cannot be confirmed yet: no recent data from %(systems)s") % {
            "systems": systems
        }
    if isinstance(status, ServiceStatus) and status.blocked_stage:
        stage = localized(bundle.stage_names[status.blocked_stage])
        return _("%(stage)s is waiting for %(systems)s to recover") % {
            "stage": stage,
            "systems": systems,
        }
    return _("Waiting for %(systems)s to recover") % {"systems": systems}


def localized(names: tuple[str, str]) -> str:
    """Pick the Indonesian or English name for the active language."""
    return names[1] if translation.get_language() == "en" and names[1] else names[0]


def status_document(bundle: Published, advisories: list[AdvisoryDocument]) -> StatusDocument:
    """The /api/v1/status/ document for the active language."""
    snap = bundle.snapshot
    return {
        "generated_at": iso(snap.generated_at),
        "stale": snap.stale,
        "systems": [
            {
                "code": s.code,
                "name": s.name,
                "state": s.state,
                "source": s.source,
                "checked_at": iso(s.checked_at),
                "changed_at": iso(bundle.changed_at.get(s.code)),
            }
            for s in snap.systems
        ],
        "offices": [_office(o, bundle) for o in snap.offices],
        "advisories": advisories,
    }


def _office(office: OfficeStatus, bundle: Published) -> OfficeDocument:
    info = bundle.offices[office.code]
    return {
        "code": office.code,
        "name": info.name,
        "office_class": info.office_class,
        "tpi": info.tpi,
        "stages": [
            {
                "code": s.code,
                "name": localized(bundle.stage_names[s.code]),
                "state": s.state,
                "reason": stage_reason(s, bundle),
                "since": iso(bundle.since.get((office.code, "stage", s.code))),
            }
            for s in office.stages
        ],
        "services": [
            {
                "code": s.code,
                "name": localized(bundle.service_names[s.code]),
                "state": s.state,
                "available_stages": list(s.available_stages),
                "waiting_stages": list(s.waiting_stages),
                "reason": stage_reason(s, bundle),
            }
            for s in office.services
        ],
    }


def published_advisories(now: datetime) -> list[Advisory]:
    """The advisories shown at ``now``, with their offices and systems (three queries)."""
    return list(Advisory.objects.published(now).prefetch_related("offices", "systems"))


def advisory_documents(shown: list[Advisory]) -> list[AdvisoryDocument]:
    """The advisories ``shown``, in the active language."""
    return [
        {
            "id": a.pk,
            "title": localized((a.title_id, a.title_en)),
            "body": localized((a.body_id, a.body_en)),
            "severity": a.severity,
            "phase": a.phase,
            "offices": [o.code for o in a.offices.all()],
            "systems": [s.code for s in a.systems.all()],
            "published_at": iso(a.published_at),
            "updated_at": iso(a.updated_at),
        }
        for a in shown
    ]


def status_entry(lang: str) -> tuple[Published, Prepared]:
    """The published snapshot and its status document in ``lang``, prepared once."""
    bundle = published()
    return bundle, document_entry(bundle, ("v1", "status"), lang, _status_document)


def status_of(entry: Prepared) -> StatusDocument:
    """The status document of ``entry``: the object it was made from in the process that made
    it, else its bytes read back (an entry from the shared cache). Every page of the snapshot
    reads the same object: read it, never change it."""
    document = entry.document if entry.document is not None else json.loads(entry.body)
    return cast(StatusDocument, document)


def _status_document(bundle: Published) -> StatusDocument:
    shown = rows(bundle, "advisories", lambda: published_advisories(timezone.now()))
    return status_document(bundle, advisory_documents(shown))


def document_entry(
    bundle: Published, key: tuple[str, ...], lang: str, build: Callable[[Published], Any]
) -> Prepared:
    """The JSON of ``build(bundle)`` in ``lang``, built once per snapshot; its weak ETag is
    the document's content version, which a poll that changes nothing keeps."""

    def make() -> Prepared:
        with translation.override(lang):
            document = build(bundle)
        return Prepared.of(
            json_bytes(document),
            etag=f'W/"{content_version(document)}"',
            language=lang,
            vary=VARY["api"],
            last_modified=bundle.snapshot.generated_at,
            document=document,
        )

    return prepare(bundle, (*key, lang), make)


def snapshot_version(bundle: Published) -> str:
    """What a reader sees of the snapshot, as a digest: the status document's content
    version and the offices' details. It changes with the content, never with a poll."""
    status = document_entry(bundle, ("v1", "status"), LANGS[0], _status_document)
    return digest(status.etag + repr(sorted(bundle.offices.items())), 24)


# --- Documents of the v1 read API and their cached bytes -------------------------------------


def office_document(office: OfficeStatus, bundle: Published) -> dict[str, Any]:
    """One office as the v1 API shows it: the status document's office and its details."""
    info = bundle.offices[office.code]
    return {
        **_office(office, bundle),
        "region": info.region,
        "address": info.address,
        "timezone": info.timezone,
        "opening_hours": info.opening_hours,
    }


def system_document(system: SystemStatus, bundle: Published) -> dict[str, Any]:
    """One upstream system as the v1 API shows it."""
    return {
        "code": system.code,
        "name": system.name,
        "state": system.state,
        "source": system.source,
        "stale": system.stale,
        "checked_at": iso(system.checked_at),
        "changed_at": iso(bundle.changed_at.get(system.code)),
    }


def snapshot_envelope(bundle: Published, **content: Any) -> dict[str, Any]:
    """A document built from the snapshot: when it was computed, whether it is stale."""
    return {
        "generated_at": iso(bundle.snapshot.generated_at),
        "stale": bundle.snapshot.stale,
        **content,
    }


def prepare_documents(bundle: Published) -> None:
    """Build the status document in every language for a snapshot about to be published."""
    for lang in LANGS:
        document_entry(bundle, ("v1", "status"), lang, _status_document)
