"""What the pages say: services as journeys, the headline, offices and regions, advisories.

Built from the status document (the same as ``/api/v1/status/``) and the published snapshot;
no database, no request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from offices.choices import OfficeClass
from services.choices import Cause, ServiceState, StageState
from services.gating import ServiceStatus, StageStatus
from services.snapshot import OfficeInfo, Published

from .status import localized
from .templatetags.portal_tags import (
    HELD,
    WAITING,
    choice_label,
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
    held_by: str = ""  # held: the stage the service waits for
    unconfirmed: bool = False  # stale: ``state`` is the last known one


# What a stage is called within a service, where the stage's own name would mislead.
def step_names() -> dict[tuple[str, str], str]:
    return {
        ("foreign-stay-permit", "printing"): _("Stay permit issuance"),
        ("foreign-stay-permit", "cekal-check"): _("Approval (cekal check)"),
    }


@dataclass(frozen=True)
class ServiceCard:
    code: str
    name: str
    state: str
    steps: list[Step]
    sentences: list[str]
    guidance_state: str = ""  # the state whose guidance applies (stale: the last known)
    decision: str = ""  # today's answer, short enough for a phone's first screen

    @property
    def unconfirmed(self) -> bool:
        """Stale: the steps and ``guidance_state`` are the last known ones."""
        return bool(self.steps and self.steps[0].unconfirmed)


LastKnown = dict[str, tuple[str, object]]  # stage code -> (last recorded state, since)


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
    last_known: LastKnown | None = None,
) -> ServiceCard:
    """A service with its stages in order and what a visitor can do today, in words."""
    last_known = last_known or {}
    own = step_names()
    named = {c: own.get((service.code, c), names.get(c, c)) for c in stages}
    held_by = named.get(service.blocked_stage or "", "")
    steps = []
    for code in (*service.available_stages, *service.waiting_stages):
        if code not in stages:
            continue
        stage, state = stages[code], step_state(code, service, stages[code])
        known = last_known.get(code)
        if state == ServiceState.UNKNOWN and known:
            steps.append(Step(code, named[code], known[0], unconfirmed=True))
            continue
        steps.append(Step(code, named[code], state, stage.waiting_for, stage.reason, held_by))
    name = localized(bundle.service_names.get(service.code, (service.code, service.code)))
    known_service = last_known.get(f"service:{service.code}")
    return ServiceCard(
        service.code,
        name,
        service.state,
        steps,
        service_sentences(service, steps, bundle, known_service),
        guidance_state(service, steps, known_service),
        decision(service, steps, bundle, known_service),
    )


def decision(
    service: ServiceStatus, steps: list[Step], bundle: Published, known: tuple | None = None
) -> str:
    """Today's answer in short: what can be done, what not yet and when to come back."""
    unconfirmed = steps and steps[0].unconfirmed
    if unconfirmed or service.state == ServiceState.OPEN or service.blocked_stage is None:
        return service_sentences(service, steps, bundle, known)[0]
    doable = [sentence_case(s.name) for s in steps if s.state == ServiceState.OPEN]
    parts = [_("Today you can: %(stages)s.") % {"stages": ", ".join(doable)}] if doable else []
    waiting = [s for s in steps if s.state in (WAITING, ServiceState.UNKNOWN)]
    systems = systems_phrase((c for s in waiting for c in s.waiting_for), bundle)
    stages = join_words([sentence_case(s.name) for s in waiting])
    if waiting:
        if any(s.state == ServiceState.UNKNOWN for s in waiting):
            not_yet = _("Not yet: no recent data from %(systems)s.")
        elif doable:
            not_yet = _("Not yet: %(stages)s; come back once %(systems)s recovers.")
        elif any(s.state == HELD for s in steps):  # a same-day service: say which
            not_yet = _("Not yet: it needs %(stages)s; come back once %(systems)s recovers.")
        else:
            not_yet = _("Not yet: waiting for %(systems)s; come back once it recovers.")
        parts.append(not_yet % {"stages": stages, "systems": systems})
    parts += [
        _("%(stage)s closed by the office: %(reason)s") % {"stage": s.name, "reason": s.reason}
        for s in steps
        if s.state == ServiceState.CLOSED
    ]
    return " ".join(parts)


def guidance_state(service: ServiceStatus, steps: list[Step], known: tuple | None = None) -> str:
    """The state whose guidance fits: the service's, or when stale, the last known one."""
    if service.state != ServiceState.UNKNOWN or not steps or not steps[0].unconfirmed:
        return service.state
    if known:
        return known[0]
    if all(s.state == ServiceState.OPEN for s in steps):
        return ServiceState.OPEN
    return ServiceState.PARTIAL if steps[0].state == ServiceState.OPEN else ServiceState.CLOSED


def service_sentences(
    service: ServiceStatus, steps: list[Step], bundle: Published, known: tuple | None = None
) -> list[str]:
    """Plain sentences: what can be done today, and what waits for what."""
    if service.state == ServiceState.OPEN:
        return [_("You can complete this service today.")]
    if service.blocked_stage is None:
        if service.reason:
            return [_("Closed by the office: %(reason)s") % {"reason": service.reason}]
        return [_("Closed by the office.")]
    doable = [sentence_case(s.name) for s in steps if s.state == ServiceState.OPEN]
    if steps and steps[0].unconfirmed:
        return [unconfirmed_sentence(guidance_state(service, steps, known), doable)]
    if doable:
        lead = _("Today you can: %(stages)s.") % {"stages": ", ".join(doable)}
    elif service.state == ServiceState.UNKNOWN:
        lead = _("Whether this service can be started today cannot be confirmed yet.")
    else:
        lead = _("This service cannot be started today.")
    return [lead, *step_explanations(steps, bundle)]


def unconfirmed_sentence(last_state: str, doable: list[str]) -> str:
    """What was last known of a service whose state cannot be confirmed now."""
    if last_state == ServiceState.OPEN:
        return _("Not confirmed now; last known: the whole service was open.")
    if doable and last_state == ServiceState.PARTIAL:
        return _("Not confirmed now; last known, you could do: %(stages)s.") % {
            "stages": ", ".join(doable)
        }
    return _("Not confirmed now; last known: this service could not be started.")


def step_explanations(steps: list[Step], bundle: Published) -> list[str]:
    """Why the steps that are not open are not, grouped by cause."""
    groups = [
        (WAITING, _("%(stages)s: waiting for %(systems)s to recover; come back after that.")),
        (
            ServiceState.UNKNOWN,
            _("%(stages)s: status cannot be confirmed yet, no recent data from %(systems)s."),
        ),
    ]
    sentences = []
    for state, sentence in groups:
        group = [s for s in steps if s.state == state]
        if group:
            stages = capfirst(join_words([sentence_case(s.name) for s in group]))
            systems = systems_phrase((c for s in group for c in s.waiting_for), bundle)
            sentences.append(sentence % {"stages": stages, "systems": systems})
    sentences += [
        _("%(stage)s: closed by the office: %(reason)s") % {"stage": s.name, "reason": s.reason}
        for s in steps
        if s.state == ServiceState.CLOSED and s.reason
    ]
    held = [sentence_case(s.name) for s in steps if s.state == HELD]
    blockers = [sentence_case(s.name) for s in steps if s.state not in (HELD, ServiceState.OPEN)]
    if held and blockers:
        sentences.append(
            _("%(stages)s: open, but this service waits for %(blockers)s.")
            % {"stages": capfirst(join_words(held)), "blockers": join_words(blockers)}
        )
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
    waiting: dict[str, Step] = {}
    for step in (s for c in cards for s in c.steps if s.state == WAITING):
        waiting.setdefault(step.code, step)  # named as the first service names it
    systems = systems_phrase((code for s in waiting.values() for code in s.waiting_for), bundle)
    stages = join_words([sentence_case(s.name) for s in waiting.values()])
    if state == ServiceState.CLOSED and waiting:
        sentence = _(
            "Immigration services are stopped for now: waiting for %(systems)s to recover."
        )
    elif state == ServiceState.CLOSED:
        sentence = _("Immigration services are closed for now.")
    elif waiting:
        sentence = _("Services are limited: %(stages)s must wait for %(systems)s to recover.")
    else:
        sentence = _("Some services are limited by office decision; see the details below.")
    return sentence % {"stages": stages, "systems": systems} + staff_sentence(cards)


def staff_sentence(cards: Sequence[ServiceCard]) -> str:
    """The stages the office itself closed, as a sentence of the headline ("" for none)."""
    closed: dict[str, str] = {}
    for step in (s for c in cards for s in c.steps if s.state == ServiceState.CLOSED):
        closed.setdefault(step.code, step.name)
    if not closed:
        return ""
    stages = capfirst(join_words([sentence_case(name) for name in closed.values()]))
    return " " + _("%(stages)s: closed by the office.") % {"stages": stages}


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
    document: dict,
    bundle: Published,
    region: str = "",
    only: str = "",
    last_known: dict[str, LastKnown] | None = None,
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
        known = (last_known or {}).get(office["code"])
        services = [service_card(s, stages, names, bundle, known) for s in status.services]
        views.append(
            OfficeView(
                code=office["code"],
                name=office["name"],
                class_label=choice_label(OfficeClass, office["office_class"]),
                tpi=office["tpi"],
                services=services,
                stages=[stage_row(s, stages.get(s["code"]), known) for s in office["stages"]],
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


def stage_row(stage: dict, status: StageStatus | None, last_known: LastKnown | None) -> dict:
    """A stage of the document, with the word a visitor sees for it (stale: the last known
    state and since when, marked unconfirmed)."""
    shown = stage["state"]
    if status and status.state == StageState.CLOSED and status.cause not in STAFF_CAUSES:
        shown = WAITING
    known = (last_known or {}).get(stage["code"])
    if shown == StageState.UNKNOWN and known:
        return {**stage, "shown": known[0], "since": known[1], "reason": "", "unconfirmed": True}
    return {**stage, "shown": shown}
