"""What the pages say: services as journeys, the headline, offices and regions, advisories.

Built from the status document (the same as ``/api/v1/status/``) and the published snapshot;
no database, no request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from offices.choices import OfficeClass
from services.choices import Cause, ServiceState, StageState
from services.gating import ServiceStatus, StageStatus
from services.snapshot import OfficeInfo, Published

from .choices import AdvisoryPhase, AdvisorySeverity
from .models import Advisory
from .status import localized
from .templatetags.portal_tags import (
    HELD,
    WAITING,
    capitalize,
    join_words,
    sentence_case,
    system_label,
)

STAFF_CAUSES = (Cause.OVERRIDE, Cause.CLOSURE)
# Up to this many offices the overview shows every service as a journey; beyond it, one
# compact row per office grouped by region, each region linking to its own full page. A
# dozen offices in full is some 60 KiB, about what a large region's page weighs anyway (most
# regions have far fewer); the 151 offices of 2026 in full are 725 KiB.
FULL_OVERVIEW_MAX_OFFICES = 12

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
