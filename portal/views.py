"""Public pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from services.snapshot import published

from .status import LANGS, advisory_documents, status_document

STATE_ICONS = {"open": "✓", "partial": "◐", "closed": "✕", "unknown": "?"}


def overview(request: HttpRequest) -> HttpResponse:
    """Every office, its services (how far one can get today) and its stages."""
    lang = translation.get_language() if translation.get_language() in LANGS else LANGS[0]
    bundle = published()
    document = status_document(bundle, advisory_documents(timezone.now()))
    for office in document["offices"]:
        names = {s["code"]: s["name"] for s in office["stages"]}
        for service in office["services"]:
            service["available_names"] = [names[c] for c in service["available_stages"]]
            service["waiting_names"] = [names[c] for c in service["waiting_stages"]]
    context = {
        "status": document,
        "generated_at": bundle.snapshot.generated_at,
        "lang": lang,
        "icons": STATE_ICONS,
    }
    return render(request, "portal/overview.html", context)
