"""The audit view's rows: status events and admin log entries, filtered and merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offices.models import Office, OfficeClosure, OfficeMembership
from services.admin import cause_words, state_badge
from services.admin.systems import event_subject
from services.models import Override, SimulatedPdn, StatusEvent, UpstreamSystem

from .models import Advisory

AUDIT_LIMIT = 300


# Days far from datetime's limits (year 1 in WIB is year 0 in UTC): beyond, a form error.
AUDIT_DATES = [MinValueValidator(date(1900, 1, 1)), MaxValueValidator(date(2199, 12, 31))]


def day_field(label: str) -> forms.DateField:
    """An optional day, with the browser's own picker, within ``AUDIT_DATES``."""
    widget = forms.DateInput(attrs={"type": "date"})
    return forms.DateField(label=label, required=False, widget=widget, validators=AUDIT_DATES)


class AuditFilterForm(forms.Form):
    office = forms.ModelChoiceField(
        label=gettext_lazy("Office"),
        queryset=Office.objects.none(),
        to_field_name="code",
        required=False,
    )
    actor = forms.CharField(label=gettext_lazy("By (user name)"), max_length=150, required=False)
    cause = forms.ChoiceField(
        label=gettext_lazy("Cause"),
        required=False,
        choices=lambda: [("", _("all")), *cause_words().items()],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[
            ("", gettext_lazy("all")),
            ("events", gettext_lazy("status changes")),
            ("log", gettext_lazy("admin log")),
        ],
    )
    since = day_field(gettext_lazy("Since"))
    until = day_field(gettext_lazy("Until"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.for_user(user)

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("Choose an end date on or after the start date."))
        return data


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    source: str
    office: str
    subject: str
    change: SafeString | str
    who: str
    why: str


def audit_rows(user, filters: dict) -> list[AuditRow]:
    """Status events and admin log entries in ``user``'s scope, newest first."""
    kind = filters.get("kind") or ""
    rows: list[AuditRow] = []
    if kind in ("", "events"):
        rows += [_event_row(e) for e in _events(user, filters)[:AUDIT_LIMIT]]
    if kind in ("", "log") and not filters.get("cause"):
        rows += [_log_row(e) for e in _log_entries(user, filters)[:AUDIT_LIMIT]]
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:AUDIT_LIMIT]


def _window(filters: dict, field: str) -> dict:
    """Date filters as an inclusive range of local days."""
    lookups = {}
    if filters.get("since"):
        lookups[f"{field}__gte"] = timezone.make_aware(datetime.combine(filters["since"], time()))
    if filters.get("until"):
        end = datetime.combine(filters["until"], time.max)
        lookups[f"{field}__lte"] = timezone.make_aware(end)
    return lookups


def _events(user, filters: dict) -> QuerySet[StatusEvent]:
    events = StatusEvent.objects.select_related("office", "stage", "service", "system", "actor")
    scope = Office.objects.for_user(user)
    office = filters.get("office")
    # System transitions concern every office: they stay in any office's trail.
    offices = Q(office=office) if office else Q(office__in=scope)
    events = events.filter(offices | Q(office__isnull=True)).filter(**_window(filters, "at"))
    if filters.get("actor"):
        events = events.filter(actor__username__icontains=filters["actor"])
    if filters.get("cause"):
        events = events.filter(cause=filters["cause"])
    return events.order_by("-at", "-id")


def _log_entries(user, filters: dict) -> QuerySet[LogEntry]:
    office = filters.get("office")
    offices = Office.objects.filter(pk=office.pk) if office else Office.objects.for_user(user)
    members = OfficeMembership.objects.filter(office__in=offices).values("user")
    by_office = [
        Override.objects.filter(office__in=offices),
        OfficeClosure.objects.filter(office__in=offices),
        Advisory.objects.filter(offices__in=offices),
        get_user_model().objects.filter(pk__in=members),
    ]
    systems = ContentType.objects.get_for_models(UpstreamSystem, SimulatedPdn).values()
    scope = Q(content_type__in=list(systems))
    for rows in by_office:
        ids = rows.annotate(text_pk=Cast("pk", CharField())).values("text_pk")
        scope |= Q(content_type=ContentType.objects.get_for_model(rows.model), object_id__in=ids)
    entries = LogEntry.objects.select_related("user", "content_type").filter(scope)
    entries = entries.filter(**_window(filters, "action_time"))
    if filters.get("actor"):
        entries = entries.filter(user__username__icontains=filters["actor"])
    return entries.order_by("-action_time", "-id")


def _event_row(event: StatusEvent) -> AuditRow:
    change = SafeString(f"{state_badge(event.old_state)} → {state_badge(event.new_state)}")
    cause = cause_words().get(event.cause) or event.cause
    return AuditRow(
        at=event.at,
        source=_("status change (%(cause)s)") % {"cause": cause},
        office=event.office.name if event.office_id else _("all offices"),
        subject=event_subject(event),
        change=change,
        who=event.actor.get_username() if event.actor_id else _("automatic"),
        why=event.reason,
    )


LOG_ACTIONS = {1: gettext_lazy("added"), 2: gettext_lazy("changed"), 3: gettext_lazy("deleted")}


def _log_row(entry: LogEntry) -> AuditRow:
    model = entry.content_type.model_class() if entry.content_type_id else None
    name = model._meta.verbose_name if model is not None else "—"
    return AuditRow(
        at=entry.action_time,
        source=_("admin log"),
        office="",
        subject=f"{name}: {entry.object_repr}",
        change=str(LOG_ACTIONS.get(entry.action_flag, "")),
        who=entry.user.get_username(),
        why=entry.get_change_message(),
    )
