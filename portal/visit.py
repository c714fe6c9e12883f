"""What a visitor needs besides the states: whom to call, what to do now, what was last
known when the data went stale, and which office to open.

Read from the database when a page is built (once per snapshot and language); a page's ETag
names ``details_version`` of what it shows from here, so an edit in the admin shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from offices.models import Office, ServiceGuidance
from services.choices import ServiceState, StageState
from services.models import CurrentState, StatusEvent
from services.snapshot import OfficeInfo

from .prepared import digest
from .presentation import LastKnown
from .templatetags.portal_tags import as_datetime


@dataclass(frozen=True)
class Contact:
    kind: str  # phone, whatsapp, email, map
    label: str  # what it is, in words
    text: str  # the number or address as shown ("" when unknown)
    href: str  # tel:, https://wa.me/, mailto:, https:// ("" when unknown)


def office_contacts(code: str) -> list[Contact]:
    """The office's phone, WhatsApp, e-mail and map link; an unknown one has no text."""
    fields = ("phone", "whatsapp", "email", "map_url")
    row = Office.objects.filter(code=code).values(*fields).first() or dict.fromkeys(fields, "")
    phone, whatsapp, email, map_url = (row[field] for field in fields)
    chat = f"https://wa.me/{whatsapp}" if whatsapp else ""
    dial = "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else ""
    return [
        Contact("phone", _("Phone"), phone, dial),
        Contact("whatsapp", _("WhatsApp"), f"+{whatsapp}" if whatsapp else "", chat),
        Contact("email", _("E-mail"), email, f"mailto:{email}" if email else ""),
        Contact("map", _("Map"), _("Open the map") if map_url else "", map_url),
    ]


def guidance_texts(language: str) -> dict[tuple[str, str], str]:
    """Each service's guidance per state, in ``language``."""
    return {(g.service_code, g.state): g.text_in(language) for g in ServiceGuidance.objects.all()}


def last_known_states(office_codes: list[str] | None = None) -> dict[str, LastKnown]:
    """Per office, each stage's (and as ``service:<code>``, each service's) last recorded
    state that was not ``unknown``, and since when.

    The current row when it is known (the poller stopped before recording staleness), else
    the latest event into a known state.
    """
    found: dict[str, LastKnown] = {}
    for kind, known in (("stage", STAGE_KNOWN), ("service", SERVICE_KNOWN)):
        events = StatusEvent.objects.filter(
            office_id=OuterRef("office_id"), **{f"{kind}_id": OuterRef(f"{kind}_id")}
        ).filter(new_state__in=known)
        latest = events.order_by("-at", "-id")
        rows = CurrentState.objects.filter(**{f"{kind}__isnull": False})
        if office_codes is not None:
            rows = rows.filter(office__code__in=office_codes)
        rows = rows.annotate(
            event_state=Subquery(latest.values("new_state")[:1]),
            event_at=Subquery(latest.values("at")[:1]),
        )
        prefix = "" if kind == "stage" else "service:"
        for office, code, state, since, event_state, event_at in rows.values_list(
            "office__code", f"{kind}__code", "state", "since", "event_state", "event_at"
        ):
            last = (state, since) if state in known else (event_state, event_at)
            if last[0]:
                found.setdefault(office, {})[prefix + code] = last
    return found


STAGE_KNOWN = (StageState.OPEN, StageState.CLOSED)
SERVICE_KNOWN = (ServiceState.OPEN, ServiceState.PARTIAL, ServiceState.CLOSED)


def last_data_at(document: dict) -> datetime | None:
    """When the portal last heard from a central system (the latest conclusive poll)."""
    moments = [as_datetime(s.get("checked_at")) for s in document.get("systems", [])]
    return max((m for m in moments if m is not None), default=None)


def details_version(*parts: object) -> str:
    """A digest of what a page shows from here, for its ETag."""
    return digest(repr(parts), 12)


# --- Finding an office ----------------------------------------------------------------------


def words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", text.casefold())


# Words every office's name has, which find nothing.
COMMON_WORDS = {"kantor", "imigrasi", "kanim", "kelas", "tpi", "non", "office"}


def find_offices(query: str, offices: dict[str, OfficeInfo]) -> list[OfficeInfo]:
    """Offices whose name, code, region or address has every word of ``query`` (a word may
    be the start of one), by name; all of them for an empty query."""
    wanted = [w for w in words(query) if w not in COMMON_WORDS]
    found = []
    for info in offices.values():
        haystack = words(" ".join((info.name, info.code, info.region, info.address)))
        if all(any(word.startswith(w) for word in haystack) for w in wanted):
            found.append(info)
    return sorted(found, key=lambda i: (i.name.casefold(), i.code))
