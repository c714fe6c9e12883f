"""The staff control room: the admin site, its live-status home and the audit view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString

from offices.models import Office, OfficeClosure
from services.choices import Cause
from services.models import Override, SimulatedPdn, StatusEvent, UpstreamSystem
from services.snapshot import Published, published
from services.states import StateSource

from .models import Advisory

AUDIT_LIMIT = 300
AUDIT_PERMISSION = "services.view_statusevent"


class StaffAdminSite(admin.AdminSite):
    """The admin, opening on what the public sees now, with an audit trail beside it."""

    site_header = "Status Layanan Imigrasi — ruang kendali staf"
    site_title = "Ruang kendali"
    index_title = "Status sekarang"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        context = {"live": live_status(request.user), **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self):
        audit = path("audit/", self.admin_view(self.audit_view), name="audit")
        return [audit, *super().get_urls()]

    def audit_view(self, request: HttpRequest) -> HttpResponse:
        """Who changed what, when and why: status events and admin log, per office."""
        if not request.user.has_perm(AUDIT_PERMISSION):
            raise PermissionDenied
        form = AuditFilterForm(request.GET or None, user=request.user)
        if form.is_bound:
            rows = audit_rows(request.user, form.cleaned_data) if form.is_valid() else []
        else:
            rows = audit_rows(request.user, {})
        context = {
            **self.each_context(request),
            "title": "Audit",
            "form": form,
            "rows": rows,
            "limit": AUDIT_LIMIT,
        }
        return TemplateResponse(request, "admin/audit.html", context)


def state_badge(state: str) -> SafeString:
    """The admin's badge for a state (icon, word and colour)."""
    # Imported late: this module builds the admin site while admin modules are being
    # discovered, and services.admin registers models on that very site.
    from services.admin import state_badge as badge

    return badge(state)


def cause_words() -> dict[str, str]:
    """Each cause in the staff's words."""
    from services.admin import CAUSE_WORDS

    return CAUSE_WORDS


def cause_word(cause: str) -> str:
    return cause_words().get(cause, "")


# --- Live status (the admin home) -----------------------------------------------------------


@dataclass(frozen=True)
class LiveItem:
    """One stage or service at one office, as staff need to read it."""

    name: str
    badge: SafeString
    cause: str
    detail: str
    since: datetime | None


def live_status(user) -> dict:
    """The published snapshot for the offices ``user`` may act on, with causes spelled out."""
    bundle = published()
    scope = dict(Office.objects.for_user(user).values_list("code", "pk"))
    decisions = _decisions_by_office(scope)
    offices = [
        {
            "code": office.code,
            "pk": scope[office.code],
            "name": bundle.offices[office.code].name,
            "stages": [_stage_item(s, office.code, bundle) for s in office.stages],
            "services": [_service_item(s, office.code, bundle) for s in office.services],
            **decisions[office.code],
        }
        for office in bundle.snapshot.offices
        if office.code in scope
    ]
    systems = [
        {
            "name": s.name,
            "badge": state_badge(s.state),
            "source": StateSource(s.source).label_id,
            "checked_at": s.checked_at,
        }
        for s in bundle.snapshot.systems
    ]
    snap = bundle.snapshot
    return {
        "generated_at": snap.generated_at,
        "stale": snap.stale,
        "systems": systems,
        "offices": offices,
    }


def _decisions_by_office(scope: dict[str, int]) -> dict[str, dict[str, list]]:
    """Overrides in force and closures now or to come, per office code of ``scope``."""
    now = timezone.now()
    found: dict[str, dict[str, list]] = {c: {"overrides": [], "closures": []} for c in scope}
    overrides = Override.objects.active(now).filter(office__pk__in=scope.values())
    for override in overrides.select_related("office", "stage", "service", "actor"):
        found[override.office.code]["overrides"].append(override)
    closures = OfficeClosure.objects.relevant(now).filter(office__pk__in=scope.values())
    for closure in closures.select_related("office", "actor"):
        found[closure.office.code]["closures"].append(closure)
    return found


def _stage_item(status, office: str, bundle: Published) -> LiveItem:
    return LiveItem(
        name=bundle.stage_names[status.code][0],
        badge=state_badge(status.state),
        cause=cause_word(status.cause),
        detail=_detail(status, bundle),
        since=bundle.since.get((office, "stage", status.code)),
    )


def _service_item(status, office: str, bundle: Published) -> LiveItem:
    detail = _detail(status, bundle)
    if status.available_stages and status.waiting_stages:
        names = ", ".join(bundle.stage_names[c][0] for c in status.available_stages)
        detail = f"bisa hari ini: {names}; {detail}" if detail else f"bisa hari ini: {names}"
    return LiveItem(
        name=bundle.service_names[status.code][0],
        badge=state_badge(status.state),
        cause=cause_word(status.cause),
        detail=detail,
        since=bundle.since.get((office, "service", status.code)),
    )


def _detail(status, bundle: Published) -> str:
    """Staff's reason for overrides and closures, else which systems it waits for."""
    if status.cause in (Cause.OVERRIDE, Cause.CLOSURE):
        return f"“{status.reason}”"
    if status.waiting_for:
        systems = ", ".join(bundle.system_names.get(c, c) for c in status.waiting_for)
        blocked = getattr(status, "blocked_stage", None)
        prefix = f"tahap {bundle.stage_names[blocked][0]} " if blocked else ""
        return f"{prefix}menunggu {systems}"
    return ""


# --- Audit ----------------------------------------------------------------------------------


# Days far from datetime's limits (year 1 in WIB is year 0 in UTC): beyond, a form error.
AUDIT_DATES = [MinValueValidator(date(1900, 1, 1)), MaxValueValidator(date(2199, 12, 31))]


class AuditFilterForm(forms.Form):
    office = forms.ModelChoiceField(
        label="Kantor", queryset=Office.objects.none(), to_field_name="code", required=False
    )
    actor = forms.CharField(label="Oleh (nama pengguna)", max_length=150, required=False)
    cause = forms.ChoiceField(
        label="Penyebab",
        required=False,
        choices=lambda: [("", "semua"), *cause_words().items()],
    )
    kind = forms.ChoiceField(
        label="Sumber",
        required=False,
        choices=[("", "semua"), ("events", "perubahan status"), ("log", "log admin")],
    )
    since = forms.DateField(
        label="Sejak",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=AUDIT_DATES,
    )
    until = forms.DateField(
        label="Sampai",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=AUDIT_DATES,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.for_user(user)

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "Tanggal akhir harus sesudah tanggal awal.")
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
    by_office = [
        (Override, Override.objects.filter(office__in=offices)),
        (OfficeClosure, OfficeClosure.objects.filter(office__in=offices)),
        (Advisory, Advisory.objects.filter(offices__in=offices)),
    ]
    scope = Q(content_type__in=_content_types(UpstreamSystem, SimulatedPdn))
    for model, rows in by_office:
        ids = rows.annotate(text_pk=Cast("pk", CharField())).values("text_pk")
        scope |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    entries = LogEntry.objects.select_related("user", "content_type").filter(scope)
    entries = entries.filter(**_window(filters, "action_time"))
    if filters.get("actor"):
        entries = entries.filter(user__username__icontains=filters["actor"])
    return entries.order_by("-action_time", "-id")


def _content_types(*models) -> list[ContentType]:
    return list(ContentType.objects.get_for_models(*models).values())


def _event_row(event: StatusEvent) -> AuditRow:
    if event.stage_id:
        subject = f"tahap {event.stage.name_id}"
    elif event.service_id:
        subject = f"layanan {event.service.name_id}"
    else:
        subject = f"sistem {event.system.name}" if event.system_id else "—"
    change = SafeString(f"{state_badge(event.old_state)} → {state_badge(event.new_state)}")
    cause = cause_word(event.cause) or event.cause
    return AuditRow(
        at=event.at,
        source=f"perubahan status ({cause})",
        office=event.office.name if event.office_id else "semua kantor",
        subject=subject,
        change=change,
        who=event.actor.get_username() if event.actor_id else "otomatis",
        why=event.reason,
    )


LOG_ACTIONS = {1: "ditambah", 2: "diubah", 3: "dihapus"}


def _log_row(entry: LogEntry) -> AuditRow:
    model = entry.content_type.name if entry.content_type_id else "—"
    return AuditRow(
        at=entry.action_time,
        source="log admin",
        office="",
        subject=f"{model}: {entry.object_repr}",
        change=LOG_ACTIONS.get(entry.action_flag, ""),
        who=entry.user.get_username(),
        why=entry.get_change_message(),
    )
