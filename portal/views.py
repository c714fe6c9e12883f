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

import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _

from offices.choices import OfficeClass
from services.choices import Cause, ServiceState, StageState
from services.gating import ServiceStatus, StageStatus
from services.snapshot import OfficeInfo, Published

from . import history
from .choices import AdvisoryPhase, AdvisorySeverity
from .models import Advisory
from .prepared import LANGS, VARY, Prepared, digest, prepare, remember, respond
from .prepared import page_language as page_language_of
from .status import localized, snapshot_version, status_entry
from .templatetags.portal_tags import (
    HELD,
    WAITING,
    capitalize,
    datetime_pattern,
    format_clock,
    format_day,
    join_words,
    sentence_case,
    system_label,
)

log = logging.getLogger(__name__)

STAFF_CAUSES = (Cause.OVERRIDE, Cause.CLOSURE)
HISTORY_CACHE_SECONDS = 60
# Up to this many offices the overview shows every service as a journey; beyond it, one
# compact row per office grouped by region, each region linking to its own full page. A
# dozen offices in full is some 60 KiB, about what a large region's page weighs anyway (most
# regions have far fewer); the 151 offices of 2026 in full are 725 KiB.
FULL_OVERVIEW_MAX_OFFICES = 12
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


# --- Services as journeys -----------------------------------------------------------------


def systems_phrase(codes: Iterable[str], bundle: Published) -> str:
    """The systems named by ``codes``, in the snapshot's order, as words: "PDN and …"."""
    order = list(bundle.system_names)
    unique = sorted(set(codes), key=lambda c: order.index(c) if c in order else len(order))
    return join_words([system_label(bundle.system_names.get(c, c)) for c in unique])


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    state: str  # open, waiting, closed, unknown, or held (open, but out of reach today)
    waiting_for: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ServiceCard:
    code: str
    name: str
    state: str
    steps: list[Step]
    sentences: list[str]


def step_state(code: str, service: ServiceStatus, stage: StageStatus) -> str:
    """How one stage of a service looks to a visitor today."""
    if code in service.available_stages:
        return ServiceState.OPEN
    if service.blocked_stage is None:  # the office closed the whole service (or itself)
        return ServiceState.CLOSED
    if stage.state == StageState.OPEN:
        return HELD
    if stage.state == StageState.UNKNOWN:
        return ServiceState.UNKNOWN
    return ServiceState.CLOSED if stage.cause in STAFF_CAUSES else WAITING


def service_card(
    service: ServiceStatus,
    stages: dict[str, StageStatus],
    names: dict[str, str],
    bundle: Published,
) -> ServiceCard:
    """A service with its stages in order and what a visitor can do today, in words."""
    steps = [
        Step(
            code,
            names.get(code, code),
            step_state(code, service, stages[code]),
            stages[code].waiting_for,
            stages[code].reason,
        )
        for code in (*service.available_stages, *service.waiting_stages)
        if code in stages
    ]
    name = localized(bundle.service_names.get(service.code, (service.code, service.code)))
    return ServiceCard(
        service.code, name, service.state, steps, service_sentences(service, steps, bundle)
    )


def service_sentences(service: ServiceStatus, steps: list[Step], bundle: Published) -> list[str]:
    """Plain sentences: what can be done today, and what waits for what."""
    if service.state == ServiceState.OPEN:
        return [_("You can complete this service today.")]
    if service.blocked_stage is None:
        if service.reason:
            return [_("Closed by the office: %(reason)s") % {"reason": service.reason}]
        return [_("Closed by the office.")]
    doable = [sentence_case(s.name) for s in steps if s.state == ServiceState.OPEN]
    if doable:
        lead = _("Today you can: %(stages)s.") % {"stages": ", ".join(doable)}
    elif service.state == ServiceState.UNKNOWN:
        lead = _("Whether this service can be started today cannot be confirmed yet.")
    else:
        lead = _("This service cannot be started today.")
    return [lead, *step_explanations(steps, bundle)]


def step_explanations(steps: list[Step], bundle: Published) -> list[str]:
    """Why the steps that are not open are not, grouped by cause."""
    groups = [
        (WAITING, _("%(stages)s: waiting for %(systems)s to recover.")),
        (
            ServiceState.UNKNOWN,
            _("%(stages)s: status cannot be confirmed yet, no recent data from %(systems)s."),
        ),
    ]
    sentences = []
    for state, sentence in groups:
        group = [s for s in steps if s.state == state]
        if group:
            stages = capitalize(join_words([sentence_case(s.name) for s in group]))
            systems = systems_phrase((c for s in group for c in s.waiting_for), bundle)
            sentences.append(sentence % {"stages": stages, "systems": systems})
    sentences += [
        _("%(stage)s: closed by the office: %(reason)s") % {"stage": s.name, "reason": s.reason}
        for s in steps
        if s.state == ServiceState.CLOSED and s.reason
    ]
    return sentences


# --- The whole picture --------------------------------------------------------------------


def overall_state(cards: Sequence[ServiceCard], stale: bool) -> str:
    """One state for a set of services: what the headline and the favicon say."""
    states = {c.state for c in cards}
    if stale or not states:
        return ServiceState.UNKNOWN
    if states == {ServiceState.OPEN}:
        return ServiceState.OPEN
    if any(s.state == ServiceState.OPEN for c in cards for s in c.steps):
        return ServiceState.PARTIAL
    return ServiceState.UNKNOWN if states == {ServiceState.UNKNOWN} else ServiceState.CLOSED


def headline(cards: Sequence[ServiceCard], stale: bool, bundle: Published) -> str:
    """How things stand, in one sentence."""
    state = overall_state(cards, stale)
    if state == ServiceState.UNKNOWN:
        return _(
            "Status cannot be confirmed yet: the portal has no recent data from the central "
            "systems."
        )
    if state == ServiceState.OPEN:
        return _("All immigration services are open as usual.")
    waiting = {s.code: s for c in cards for s in c.steps if s.state == WAITING}
    systems = systems_phrase((code for s in waiting.values() for code in s.waiting_for), bundle)
    if state == ServiceState.CLOSED:
        if waiting:
            return _(
                "Immigration services are stopped for now: waiting for %(systems)s to recover."
            ) % {"systems": systems}
        return _("Immigration services are closed for now.")
    if waiting:
        stages = join_words([sentence_case(s.name) for s in waiting.values()])
        return _("Services are limited: %(stages)s must wait for %(systems)s to recover.") % {
            "stages": stages,
            "systems": systems,
        }
    return _("Some services are limited by office decision; see the details below.")


@dataclass
class OfficeView:
    code: str
    name: str
    class_label: str
    tpi: bool
    services: list[ServiceCard]
    stages: list[dict]
    state: str = ServiceState.UNKNOWN  # the office as a whole, as ``overall_state`` says
    region_code: str = ""
    region: str = ""


def office_views(
    document: dict, bundle: Published, region: str = "", only: str = ""
) -> list[OfficeView]:
    """Each office of the document (of one region, or only one office, when given), its
    services and its stages."""
    snapshot = {o.code: o for o in bundle.snapshot.offices}
    views = []
    for office in document["offices"]:
        if only and office["code"] != only:
            continue
        status = snapshot.get(office["code"])
        info = bundle.offices.get(office["code"])
        if status is None or info is None or (region and region_code(info) != region):
            continue
        stages = {s.code: s for s in status.stages}
        names = {s["code"]: s["name"] for s in office["stages"]}
        services = [service_card(s, stages, names, bundle) for s in status.services]
        views.append(
            OfficeView(
                code=office["code"],
                name=office["name"],
                class_label=class_label(office["office_class"]),
                tpi=office["tpi"],
                services=services,
                stages=[stage_row(s, stages.get(s["code"])) for s in office["stages"]],
                state=overall_state(services, document["stale"]),
                region_code=region_code(info),
                region=info.region,
            )
        )
    return views


def region_code(info: OfficeInfo) -> str:
    """The office's region as a URL slug."""
    # A bundle published before OfficeInfo carried the code has only the region's name.
    return info.region_code or slugify(info.region)


@dataclass
class RegionView:
    code: str
    name: str
    offices: list[OfficeView]


def region_views(offices: Iterable[OfficeView]) -> list[RegionView]:
    """The offices grouped by region: regions by name, offices in their own order."""
    regions: dict[str, RegionView] = {}
    for office in offices:
        region = regions.setdefault(
            office.region_code, RegionView(office.region_code, office.region, [])
        )
        region.offices.append(office)
    return sorted(regions.values(), key=lambda r: (r.name, r.code))


def stage_row(stage: dict, status: StageStatus | None) -> dict:
    """A stage of the document, with the word a visitor sees for it."""
    shown = stage["state"]
    if status and status.state == StageState.CLOSED and status.cause not in STAFF_CAUSES:
        shown = WAITING
    return {**stage, "shown": shown}


def class_label(value: str) -> str:
    """The office class in words ("Kelas I"), or the raw value when it is not a known one."""
    try:
        return str(OfficeClass(value).label)
    except ValueError:
        return value


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


def choice_label(choices, value: str) -> str:
    """A choice's label in the active language, or the raw value when it is not a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def page_context(cards: Sequence[ServiceCard], status: Prepared, document: dict) -> dict:
    """What every page shows about freshness, and what the page script needs: the status
    document's URL and its ETag, which changes only when what the page shows changes."""
    state = overall_state(cards, document["stale"])
    lang = translation.get_language()
    return {
        "status": document,
        "etag": status.etag,
        "overall": state,
        "favicon": f"portal/favicon-{state}.svg",
        "status_url": reverse("api-v1:status") + f"?lang={lang}",
        "poll_seconds": f"{settings.POLL_INTERVAL_SECONDS:g}",
        "stale_seconds": f"{settings.STALE_AFTER_SECONDS:g}",
        "datetime_pattern": datetime_pattern(),
    }


def current(request: HttpRequest) -> tuple[Published, Prepared, dict]:
    """The published snapshot and its status document in the page's language."""
    bundle, status = status_entry(request.LANGUAGE_CODE)
    return bundle, status, json.loads(status.body)


def serve_page(request: HttpRequest, bundle: Published, build: Callable[[], tuple[str, dict]]):
    """The page at this path in the visitor's language, rendered once per snapshot.

    Its weak ETag is the snapshot's content version with the path, language and date (the
    hours table and the history bars move with the day), so it changes only with what the
    page shows; the middleware answers the next reads of the path from the same bytes.
    """
    lang = translation.get_language()

    def make() -> Prepared:
        template, context = build()
        frame = {name: context.get(name, "") for name in FRAME_KEYS}
        frame["main"] = render_to_string(template, context, request)
        html = render_to_string("portal/page.html", frame, request)
        variant = digest(f"{request.path_info}|{lang}|{timezone.localdate()}", 12)
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
    """Every office: what a visitor can get done there today, advisories first.

    Past ``FULL_OVERVIEW_MAX_OFFICES``, one row per office grouped by region instead of every
    service as a journey; each region's page has those.
    """
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        offices = office_views(document, bundle)
        cards = [c for o in offices for c in o.services]
        national = len(offices) > FULL_OVERVIEW_MAX_OFFICES
        return "portal/overview.html", {
            **page_context(cards, status, document),
            "headline": headline(cards, document["stale"], bundle),
            "offices": offices,
            "regions": region_views(offices) if national else [],
            "advisories": advisory_cards(document),
        }

    return serve_page(request, bundle, build)


@page_language
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region: its offices with every service as a journey, and their advisories."""
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        offices = office_views(document, bundle, region=code)
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
        }

    return serve_page(request, bundle, build)


@page_language
def office_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One office: services, stages, advisories, address, hours and 90 days of history."""
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        office = next(iter(office_views(document, bundle, only=code)), None)
        info = bundle.offices.get(code)
        if office is None or info is None:
            raise Http404(code)
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
        }

    return serve_page(request, bundle, build)


@page_language
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One advisory: its text and the timeline of its updates."""
    advisory = (
        Advisory.objects.published(timezone.now())
        .prefetch_related("offices", "systems", "updates")
        .filter(pk=pk)
        .first()
    )
    if advisory is None:
        raise Http404(pk)
    bundle, status, document = current(request)

    def build() -> tuple[str, dict]:
        cards = [c for o in office_views(document, bundle) for c in o.services]
        view = advisory_view(advisory)
        return "portal/advisory.html", {
            **page_context(cards, status, document),
            "title": view["title"],
            "advisory": view,
        }

    # Staff change advisories in the admin, which publishes a new snapshot.
    return serve_page(request, bundle, build)


# --- Office details -----------------------------------------------------------------------


def opening_hours_rows(raw: object, tz: ZoneInfo) -> list[dict]:
    """Monday to Sunday with their opening times ("Closed" on days without)."""
    hours = history.parse_opening_hours(raw)
    today = timezone.now().astimezone(tz).weekday()
    return [
        {
            "day": str(WEEKDAYS[weekday]),
            "today": weekday == today,
            "spans": [f"{format_clock(a)}–{format_clock(b)}" for a, b in hours.get(weekday, ())],
        }
        for weekday in range(7)
    ]


@dataclass(frozen=True)
class Bar:
    level: str  # CSS class: off, none, s0…s4, unk
    text: str


def history_rows(office: OfficeView, info, bundle: Published) -> list[dict]:
    """Per stage: a summary of 90 days and its bars as HTML, built once per snapshot."""
    key = f"portal:history:{office.code}:{bundle.token}:{translation.get_language()}"
    rows = cache_get(key)
    if rows is None:
        figures = history.office_history(
            office.code,
            [s["code"] for s in office.stages],
            opening_hours=info.opening_hours,
            tz=ZoneInfo(info.timezone),
            now=timezone.now(),
            store=False,  # reads never write: the hourly roll-up task fills the days
        )
        rows = [history_row(stage, figures.get(stage["code"], [])) for stage in office.stages]
        cache_set(key, rows, HISTORY_CACHE_SECONDS)
    return rows


def history_row(stage: dict, days: Sequence[history.DayFigure]) -> dict:
    """One stage's summary and bars; the bars are HTML built here (540 of them per page)."""
    bars = [history_bar(d, day_label(d.day)) for d in days]
    return {
        "code": stage["code"],
        "name": stage["name"],
        "summary": history_summary(days),
        "bars": format_html_join(
            "",
            '<li class="{}" tabindex="0"><span class="tip">{}</span></li>',
            ((bar.level, bar.text) for bar in bars),
        ),
    }


@lru_cache(maxsize=512)
def _day_label(day: date, lang: str) -> str:
    return format_day(day)


def day_label(day: date) -> str:
    """``format_day``, memoized: each page names the same 90 days for every stage."""
    return _day_label(day, translation.get_language())


def cache_get(key: str) -> object:
    # The cache only saves work: a dead Redis must not take the page down with it.
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unavailable; computing the history afresh", exc_info=True)
        return None


def cache_set(key: str, value: object, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("cache unavailable; not caching the history", exc_info=True)


def percent(part: float, whole: float) -> str:
    """A share as a whole percentage, never rounding a non-zero share to 0 %."""
    value = round(100 * part / whole)
    return "<1%" if part and value == 0 else f"{value}%"


def history_bar(figure: history.DayFigure, day: str | None = None) -> Bar:
    """One day's bar: a shade for the closed share and the figure in words."""
    day = day or format_day(figure.day)
    if not figure.office_seconds:
        return Bar("off", _("%(day)s: no office hours") % {"day": day})
    if not figure.known_seconds:
        return Bar("none", _("%(day)s: no data") % {"day": day})
    closed, known = figure.closed_seconds, figure.known_seconds
    text = _("%(day)s: closed %(share)s of office hours") % {
        "day": day,
        "share": percent(closed, known),
    }
    if figure.unknown_seconds:
        text += _("; not confirmed %(share)s") % {"share": percent(figure.unknown_seconds, known)}
    return Bar(shade(closed / known, figure.unknown_seconds), text)


def shade(share: float, unknown_seconds: int) -> str:
    """The CSS class of a day: s0 (open all hours) to s4 (closed over three quarters)."""
    if share == 0:
        return "unk" if unknown_seconds else "s0"
    return f"s{min(4, 1 + int(share * 4 - 1e-9))}"


def history_summary(days: Sequence[history.DayFigure]) -> str:
    """The whole period in one sentence."""
    known = sum(d.known_seconds for d in days)
    if not known:
        return _("No data for the last %(days)s days yet.") % {"days": len(days)}
    closed = sum(d.closed_seconds for d in days)
    return _("Closed %(share)s of office hours in the last %(days)s days.") % {
        "share": percent(closed, known),
        "days": len(days),
    }


# --- Advisory details ---------------------------------------------------------------------


def advisory_view(advisory: Advisory) -> dict:
    """An advisory's text in the active language, with its timeline, newest first."""
    english = translation.get_language() == "en"

    def pick(indonesian: str, english_text: str) -> str:
        return english_text if english and english_text else indonesian

    return {
        "id": advisory.pk,
        "title": pick(advisory.title_id, advisory.title_en),
        "body": pick(advisory.body_id, advisory.body_en),
        "phase": advisory.phase,
        "phase_label": choice_label(AdvisoryPhase, advisory.phase),
        "severity": advisory.severity,
        "severity_label": choice_label(AdvisorySeverity, advisory.severity),
        "published_at": advisory.published_at,
        "updated_at": advisory.updated_at,
        "offices": list(advisory.offices.all()),
        "systems": [s.name for s in advisory.systems.all()],
        "updates": [
            {
                "phase": u.phase,
                "phase_label": choice_label(AdvisoryPhase, u.phase),
                "at": u.at,
                "body": pick(u.body_id, u.body_en),
            }
            for u in advisory.updates.all()
        ],
    }
