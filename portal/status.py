"""The public shape of a snapshot: the v1 status document, and its cached bytes.

A published snapshot is turned into JSON once per snapshot and language: by the process
that published it (``prepare``, on ``snapshot_published``) or by the first that needs it,
which shares the bytes through the cache; every process keeps them in memory, and every
later request is served those bytes with their ETag, without the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from services.choices import Cause, ServiceState, StageState
from services.gating import ServiceStatus, StageStatus
from services.snapshot import Published, published

from .models import Advisory

log = logging.getLogger(__name__)

LANGS = ("id", "en")
SHARED_SECONDS = 3600  # a snapshot's bytes in the cache; a new snapshot has a new key


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    generated_at: datetime


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


def status_document(bundle: Published, advisories: list[dict]) -> dict:
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


def _office(office, bundle: Published) -> dict:
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


def advisory_documents(now: datetime) -> list[dict]:
    """Published advisories for the active language."""
    english = translation.get_language() == "en"
    rows = Advisory.objects.published(now).prefetch_related("offices", "systems")
    return [
        {
            "id": a.pk,
            "title": (a.title_en if english and a.title_en else a.title_id),
            "body": (a.body_en if english and a.body_en else a.body_id),
            "severity": a.severity,
            "phase": a.phase,
            "offices": [o.code for o in a.offices.all()],
            "systems": [s.code for s in a.systems.all()],
            "published_at": iso(a.published_at),
            "updated_at": iso(a.updated_at),
        }
        for a in rows
    ]


_memo: dict[tuple[str, str], Rendered] = {}
# One build at a time in a process: when a new snapshot arrives, the threads that miss the
# memo wait for the one building it instead of each building the same bytes (re-entrant: a
# page's build reads the status document).
build_lock = threading.RLock()


def rendered_status(lang: str) -> Rendered:
    """The status document's bytes for ``lang``, built once per snapshot in this process."""
    return current_status(lang)[1]


def current_status(lang: str) -> tuple[Published, Rendered]:
    """The published snapshot and its status document's bytes for ``lang``, from one read."""
    bundle = published()
    return bundle, rendered_bundle(bundle, lang)


def rendered_bundle(bundle: Published, lang: str) -> Rendered:
    """The status document's bytes for ``bundle`` and ``lang``, memoized per process."""
    key = (bundle.token, lang)
    hit = _memo.get(key)
    if hit is not None:
        return hit
    with build_lock:
        hit = _memo.get(key)
        if hit is not None:
            return hit
        shared_key = f"status:v1:{bundle.token}:{lang}"
        rendered = _shared(shared_key)
        if rendered is None:
            with translation.override(lang):
                document = status_document(bundle, advisory_documents(timezone.now()))
            rendered = _rendered(document, bundle)
            _share(shared_key, rendered)
        if len(_memo) > 64:
            _memo.clear()
        _memo[key] = rendered
    return rendered


# --- Documents of the v1 read API and their cached bytes -------------------------------------


def office_document(office, bundle: Published) -> dict:
    """One office as the v1 API shows it: the status document's office and its details."""
    info = bundle.offices[office.code]
    return {
        **_office(office, bundle),
        "region": info.region,
        "address": info.address,
        "timezone": info.timezone,
        "opening_hours": info.opening_hours,
    }


def system_document(system, bundle: Published) -> dict:
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


def snapshot_envelope(bundle: Published, **content) -> dict:
    """A document built from the snapshot: when it was computed, whether it is stale."""
    return {
        "generated_at": iso(bundle.snapshot.generated_at),
        "stale": bundle.snapshot.stale,
        **content,
    }


_documents: dict[tuple, Rendered] = {}


def rendered_document(key: tuple, lang: str, build: Callable[[Published], object]) -> Rendered:
    """The bytes of ``build(bundle)`` for ``lang``, built once per snapshot and ``key``."""
    bundle = published()
    memo_key = (bundle.token, lang, *key)
    hit = _documents.get(memo_key)
    if hit is not None:
        return hit
    with build_lock:
        hit = _documents.get(memo_key)
        if hit is not None:
            return hit
        digest = hashlib.sha256(repr(memo_key).encode()).hexdigest()[:32]
        shared_key = f"status:doc:{digest}"
        rendered = _shared(shared_key)
        if rendered is None:
            with translation.override(lang):
                rendered = _rendered(build(bundle), bundle)
            _share(shared_key, rendered)
        oldest = next(iter(_documents), (bundle.token,))
        if len(_documents) > 256 or oldest[0] != bundle.token:
            _documents.clear()
        _documents[memo_key] = rendered
    return rendered


def _rendered(document: object, bundle: Published) -> Rendered:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Rendered(body, etag, bundle.snapshot.generated_at)


def _shared(key: str) -> Rendered | None:
    """Bytes another process built for this snapshot, if the cache has them."""
    try:
        return cache.get(key)
    except Exception:  # the cache only saves work: a dead Redis must not fail a read
        log.warning("cache unavailable; building the document here", exc_info=True)
        return None


def _share(key: str, rendered: Rendered) -> None:
    try:
        cache.set(key, rendered, SHARED_SECONDS)
    except Exception:
        log.warning("cache unavailable; not sharing the document", exc_info=True)


def prepare(bundle: Published) -> None:
    """Build the status document in every language for a snapshot just published."""
    for lang in LANGS:
        rendered_bundle(bundle, lang)
