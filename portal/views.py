"""Public pages: the overview, a region, an office, an advisory.

Every page reads the published snapshot and the same status document as ``/api/v1/status/``
(its bytes are memoized per snapshot). The overview's, a region's and an office's main part
are rendered once per snapshot and language, so a warm page needs no query and little work.
The language is the visitor's choice (a cookie set by ``choose_language``, a plain link),
else Bahasa Indonesia: a phone's Accept-Language does not decide. Pages carry nothing
particular to a visitor (no form, no CSRF token, no cookie), so a warm page is the same
bytes for everyone, revalidated by its ETag and cacheable by a CDN for one poll interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from offices.choices import TimeZone
from services.snapshot import Published, published

from .advisories import advisory_cards, advisory_view
from .models import Advisory
from .office_details import history_rows, opening_hours_rows
from .prepared import LANGS, VARY, Prepared, digest, prepare, remember, respond
from .prepared import page_language as page_language_of
from .presentation import (
    FULL_OVERVIEW_MAX_OFFICES,
    ServiceCard,
    headline,
    office_views,
    overall_state,
    region_views,
)
from .status import snapshot_version, status_entry, status_of
from .templatetags.portal_tags import datetime_pattern, system_label
from .visit import (
    details_version,
    find_offices,
    guidance_texts,
    last_data_at,
    last_known_states,
    office_contacts,
)

# What the frame around a page's main part needs (title, favicon, the page script's hooks).
FRAME_KEYS = (
    "title",
    "status_url",
    "etag",
    "poll_seconds",
    "stale_seconds",
    "favicon",
    "feed_office",
)


# --- Language -----------------------------------------------------------------------------


def page_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render ``view`` in the visitor's chosen language (Indonesian unless they chose)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        lang = page_language_of(request)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = render(request, "404.html", status=404)
        response["Content-Language"] = lang
        return response

    return wrapped


def page_context(cards: Sequence[ServiceCard], status: Prepared, document: dict) -> dict:
    """What every page shows about freshness, and what the page script needs: the status
    document's URL and its ETag, which changes only when what the page shows changes."""
    state = overall_state(cards, document["stale"])
    lang = translation.get_language()
    names = [s["name"] for s in document["systems"]]
    return {
        "status": document,
        "etag": status.etag,
        "overall": state,
        "favicon": f"portal/favicon-{state}.svg",
        "status_url": reverse("api-v1:status") + f"?lang={lang}",
        "poll_seconds": f"{settings.POLL_INTERVAL_SECONDS:g}",
        "stale_seconds": f"{settings.STALE_AFTER_SECONDS:g}",
        "datetime_pattern": datetime_pattern(),
        "last_data_at": last_data_at(document) if document["stale"] else None,
        # The systems' Indonesian names, also as English sentences carry them ("sistem cekal").
        "id_words": [*names, *map(system_label, names)] if lang == "en" else [],
    }


def known_before(document: dict, codes: list[str] | None = None) -> dict:
    """When the data is stale, each stage's last known state (read only then)."""
    return last_known_states(codes) if document["stale"] else {}


def current(request: HttpRequest) -> tuple[Published, Prepared, dict]:
    """The published snapshot and its status document in the page's language."""
    bundle, status = status_entry(request.LANGUAGE_CODE)
    return bundle, status, status_of(status)


def local_dates() -> str:
    """Today in each of Indonesia's time zones: an office's hours and history move with its
    own day."""
    now = timezone.now()
    return ",".join(str(timezone.localdate(now, ZoneInfo(zone))) for zone in TimeZone.values)


def serve_page(request: HttpRequest, bundle: Published, build: Callable[[], tuple[str, dict]]):
    """The page at this path in the visitor's language, rendered once per snapshot.

    Its weak ETag is the snapshot's content version with the path, language and the dates
    of the three time zones (the hours table and the history bars move with the day), so
    it changes only with what the page shows; the middleware answers the next reads of the
    path from the same bytes.
    """
    lang = translation.get_language()

    def make() -> Prepared:
        template, context = build()
        frame = {name: context.get(name, "") for name in FRAME_KEYS}
        frame["main"] = render_to_string(template, context, request)
        html = render_to_string("portal/page.html", frame, request)
        details = context.get("details_version", "")
        variant = digest(f"{request.path_info}|{lang}|{local_dates()}|{details}", 12)
        return Prepared.of(
            html.encode(),
            etag=f'W/"{snapshot_version(bundle)}-{variant}"',
            content_type="text/html; charset=utf-8",
            language=lang,
            vary=VARY["page"],
            last_modified=bundle.snapshot.generated_at,
            cors=False,
        )

    entry = prepare(bundle, ("page", request.path_info, lang), make)
    remember(request, "page", bundle, entry)
    return respond(request, entry)


def choose_language(request: HttpRequest, lang: str) -> HttpResponse:
    """Remember the visitor's language in a cookie and send them back where they were.

    A link rather than a form, so that pages hold nothing particular to a visitor; choosing
    a language changes nothing but how this browser's pages read.
    """
    if lang not in LANGS:
        raise Http404(lang)
    target = request.GET.get("next", "/")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    response = HttpResponseRedirect(target if safe else "/")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        lang,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Views --------------------------------------------------------------------------------


@page_language
def overview(request: HttpRequest) -> HttpResponse:
    """Every office: what a visitor can get done there today, advisories first (past
    ``FULL_OVERVIEW_MAX_OFFICES``, one row per office, grouped by region)."""
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        national = len(bundle.offices) > FULL_OVERVIEW_MAX_OFFICES
        known = {} if national else known_before(document)
        offices = office_views(document, bundle, last_known=known)
        cards = [c for o in offices for c in o.services]
        return "portal/overview.html", {
            **page_context(cards, status, document),
            "headline": headline(cards, document["stale"], bundle),
            "offices": offices,
            "regions": region_views(offices) if national else [],
            "advisories": advisory_cards(document),
            "total_offices": len(bundle.offices),
            "details_version": details_version(known),
        }

    return serve_page(request, bundle, build)


@page_language
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region: its offices with every service as a journey, and their advisories."""
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        codes = [c for c, info in bundle.offices.items() if info.region_code == code]
        known = known_before(document, codes)
        offices = office_views(document, bundle, region=code, last_known=known)
        if not offices:
            raise Http404(code)
        region = region_views(offices)[0]
        cards = [c for o in region.offices for c in o.services]
        return "portal/region.html", {
            **page_context(cards, status, document),
            "title": region.name,
            "region": region,
            "headline": headline(cards, document["stale"], bundle),
            "advisories": advisory_cards(document, offices=[o.code for o in region.offices]),
            "details_version": details_version(known),
        }

    return serve_page(request, bundle, build)


@page_language
def office_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One office: services, stages, advisories, address, hours and 90 days of history."""
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        info = bundle.offices.get(code)
        known = known_before(document, [code]) if info else {}
        office = next(iter(office_views(document, bundle, only=code, last_known=known)), None)
        if office is None or info is None:
            raise Http404(code)
        contacts = office_contacts(code)
        guidance = guidance_texts(request.LANGUAGE_CODE)
        return "portal/office.html", {
            **page_context(office.services, status, document),
            "title": office.name,
            "feed_office": code,
            "office": office,
            "info": info,
            "headline": headline(office.services, document["stale"], bundle),
            "advisories": advisory_cards(document, offices=(code,)),
            "hours": opening_hours_rows(info.opening_hours, ZoneInfo(info.timezone)),
            "history": history_rows(office, info, bundle),
            "contacts": contacts,
            "contacts_known": any(c.href for c in contacts),
            "guidance": {
                c.code: guidance.get((c.code, c.guidance_state), "") for c in office.services
            },
            "details_version": details_version(known, contacts, guidance),
        }

    return serve_page(request, bundle, build)


@page_language
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One advisory: its text and the timeline of its updates."""
    now = timezone.now()
    advisory = (
        Advisory.objects.ever_published(now)
        .prefetch_related("offices", "systems", "updates")
        .filter(pk=pk)
        .first()
    )
    if advisory is None:
        raise Http404(pk)
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        cards = [c for o in office_views(document, bundle) for c in o.services]
        view = advisory_view(advisory, now)
        return "portal/advisory.html", {
            **page_context(cards, status, document),
            "title": view["title"],
            "advisory": view,
            "details_version": details_version(view["ended_at"]),
        }

    # Staff change advisories in the admin, which publishes a new snapshot.
    return serve_page(request, bundle, build)


@page_language
def office_search(request: HttpRequest) -> HttpResponse:
    """Find an office by words of its name, city, region or address; without words, every
    office by name (a jump list). A plain GET form, so it works without JavaScript."""
    query = request.GET.get("q", "")[:100].strip()
    bundle = published()
    found = find_offices(query, bundle.offices)
    response = render(
        request,
        "portal/search.html",
        {
            "query": query,
            "found": found,
            "total": len(bundle.offices),
            "title": _("Find an office"),
        },
    )
    patch_cache_control(response, public=True, max_age=int(settings.POLL_INTERVAL_SECONDS))
    patch_vary_headers(response, ["Cookie"])
    return response
