"""What must hold after any fault: every transition recorded once, and the record agrees.

The events of one subject (an office's stage or service, or a system), in commit order, form
a chain: each starts where the previous one ended, none is a non-change, and the last ends
in the state recorded now. A lost event breaks the chain, a duplicated one starts from a
stale state. A recompute made afterwards records nothing when no transition is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from services.choices import Cause, SystemState
from services.models import CurrentState, Override, StatusEvent, UpstreamSystem
from services.snapshot import recompute

Subject = tuple[str, ...]  # ("palembang", "stage", "printing") or ("system", "pdn")


@dataclass
class Audit:
    """The figures and the problems found by ``audit``."""

    events: int = 0
    subjects: int = 0
    late_events: int = 0  # recorded by a recompute afterwards: transitions that were missing
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def subject_of(event: StatusEvent) -> Subject:
    if event.office_id is None:
        return ("system", event.system.code)
    if event.stage_id:
        return (event.office.code, "stage", event.stage.code)
    return (event.office.code, "service", event.service.code)


def event_chains() -> dict[Subject, list[tuple[str, str]]]:
    """Each subject's transitions (old, new) in commit order."""
    chains: dict[Subject, list[tuple[str, str]]] = {}
    rows = StatusEvent.objects.select_related("office", "stage", "service", "system")
    for event in rows.order_by("id"):
        chains.setdefault(subject_of(event), []).append((event.old_state, event.new_state))
    return chains


def recorded_states() -> dict[Subject, str]:
    """The state recorded now for each subject (office subjects not listed are absent)."""
    states: dict[Subject, str] = {}
    for row in CurrentState.objects.select_related("office", "stage", "service"):
        kind, code = ("stage", row.stage.code) if row.stage_id else ("service", row.service.code)
        states[(row.office.code, kind, code)] = row.state
    for system in UpstreamSystem.objects.all():
        states[("system", system.code)] = system.state
    return states


def chain_problems(
    chains: dict[Subject, list[tuple[str, str]]], states: dict[Subject, str]
) -> list[str]:
    """Every way the chains disagree with themselves or with the recorded states."""
    problems = []
    for subject in sorted(set(chains) | set(states)):
        chain = chains.get(subject, [])
        start = SystemState.UNKNOWN if subject[0] == "system" else ""
        ends = [start] + [new for _, new in chain]
        for (old, new), before in zip(chain, ends, strict=False):
            if old != before:
                problems.append(f"{subject}: {before!r} is followed by {old!r} → {new!r}")
            if old == new:
                problems.append(f"{subject}: non-change {old!r} → {new!r}")
        if ends[-1] != states.get(subject, ""):
            problems.append(
                f"{subject}: last event ends in {ends[-1]!r}, recorded {states.get(subject)!r}"
            )
    return problems


def audit(*, recompute_after: bool = True) -> Audit:
    """Check every chain; then, optionally, count what a fresh recompute still records."""
    chains = event_chains()
    found = Audit(
        events=sum(len(chain) for chain in chains.values()),
        subjects=len(chains),
        problems=chain_problems(chains, recorded_states()),
    )
    if recompute_after:
        before = StatusEvent.objects.count()
        recompute()
        found.late_events = StatusEvent.objects.count() - before
        if found.late_events:
            found.problems.append(f"a recompute afterwards recorded {found.late_events} events")
    return found


def overrides_without_their_event() -> list[str]:
    """Overrides whose creation has no event on their target, or more than one.

    Meant for runs where every override is created on a target with no override in force
    and a different derived state, so that each creation is exactly one transition there.
    """
    counts: dict[tuple, int] = {}
    events = StatusEvent.objects.filter(cause=Cause.OVERRIDE, office__isnull=False)
    for key in events.values_list("office_id", "stage_id", "service_id", "reason"):
        counts[key] = counts.get(key, 0) + 1
    problems = []
    for o in Override.objects.order_by("pk"):
        count = counts.get((o.office_id, o.stage_id, o.service_id, o.reason), 0)
        if count != 1:
            problems.append(f"override {o.pk} ({o.reason!r}): {count} events")
    return problems
