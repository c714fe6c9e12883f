"""Advisories as the pages show them: cards of the status document, and one advisory's page
with its timeline (marked ended once it has ended)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from .choices import AdvisoryPhase, AdvisorySeverity
from .models import Advisory
from .status import localized
from .templatetags.portal_tags import choice_label


def advisory_cards(document: dict, offices: Collection[str] = ()) -> dict[str, list[dict]]:
    """The document's advisories (those for ``offices`` when given), active and resolved."""
    cards: dict[str, list[dict]] = {"active": [], "resolved": []}
    wanted = set(offices)
    for advisory in document["advisories"]:
        if wanted and advisory["offices"] and wanted.isdisjoint(advisory["offices"]):
            continue
        card = {
            **advisory,
            "phase_label": choice_label(AdvisoryPhase, advisory["phase"]),
            "severity_label": choice_label(AdvisorySeverity, advisory["severity"]),
        }
        resolved = advisory["phase"] == AdvisoryPhase.RESOLVED
        cards["resolved" if resolved else "active"].append(card)
    return cards


# --- Advisory details ---------------------------------------------------------------------


def advisory_view(advisory: Advisory, now: datetime) -> dict:
    """An advisory's text in the active language, with its timeline, newest first, and when
    it ended (None while it runs)."""
    return {
        "id": advisory.pk,
        "title": localized((advisory.title_id, advisory.title_en)),
        "body": localized((advisory.body_id, advisory.body_en)),
        "phase": advisory.phase,
        "phase_label": choice_label(AdvisoryPhase, advisory.phase),
        "severity": advisory.severity,
        "severity_label": choice_label(AdvisorySeverity, advisory.severity),
        "published_at": advisory.published_at,
        "updated_at": advisory.updated_at,
        "ended_at": advisory.ended_at(now),
        "offices": list(advisory.offices.all()),
        "systems": [s.name for s in advisory.systems.all()],
        "updates": [
            {
                "phase": u.phase,
                "phase_label": choice_label(AdvisoryPhase, u.phase),
                "at": u.at,
                "body": localized((u.body_id, u.body_en)),
            }
            for u in advisory.updates.all()
        ],
    }
