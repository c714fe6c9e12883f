"""The staff control room: the admin site, its live-status home and the audit view (its rows
in ``admin_audit``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from offices.models import Office, OfficeClosure
from services.choices import Cause, StageState
from services.models import Override
from services.snapshot import Published, published
from services.states import StateSource

AUDIT_PERMISSION = "services.view_statusevent"


class StaffAdminSite(admin.AdminSite):
    """The admin, opening on what the public sees now, with an audit trail beside it."""

    site_header = gettext_lazy("Immigration service status — staff control room")
    site_title = gettext_lazy("Control room")
    index_title = gettext_lazy("Status now")

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        context = {"live": live_status(request.user), **(extra_context or {})}
        return super().index(request, context)

    def each_context(self, request: HttpRequest) -> dict:
        return {**super().each_context(request), "zone_name": f"{timezone.localtime():%Z}"}

    def get_urls(self):
        from services.admin import accounts, quick

        view = self.admin_view
        return [
            path("audit/", view(self.audit_view), name="audit"),
            path(
                "quick/<slug:office>/<slug:stage>/<str:action>/",
                view(quick.quick_stage_view),
                name="quick_stage",
            ),
            path("staff-accounts/", view(accounts.staff_accounts_view), name="staff_accounts"),
            path(
                "staff-accounts/<int:pk>/password/",
                view(accounts.reset_password_view),
                name="staff_password",
            ),
            *super().get_urls(),
        ]

    def audit_view(self, request: HttpRequest) -> HttpResponse:
        """Who changed what, when and why: status events and admin log, per office."""
        # Imported late: admin_audit imports services.admin (see state_badge).
        from .admin_audit import AUDIT_LIMIT, AuditFilterForm, audit_rows

        if not request.user.has_perm(AUDIT_PERMISSION):
            raise PermissionDenied
        form = AuditFilterForm(request.GET or None, user=request.user)
        if form.is_bound:
            rows = audit_rows(request.user, form.cleaned_data) if form.is_valid() else []
        else:
            rows = audit_rows(request.user, {})
        context = {
            **self.each_context(request),
            "title": _("Audit"),
            "form": form,
            "rows": rows,
            "limit": AUDIT_LIMIT,
        }
        return TemplateResponse(request, "admin/audit.html", context)


def zone_moment(moment: datetime | None, zone: ZoneInfo, with_date: bool = False) -> str:
    """A moment in an office's own zone, named: "21 Jun 08.00 WIB"."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    shown = formats.date_format(local, "j M Y H.i" if with_date else "j M H.i")
    return f"{shown} {local:%Z}"


# --- Live status (the admin home) -----------------------------------------------------------
# services.admin is imported inside the functions below: this module builds the admin site
# while admin modules are being discovered, and services.admin registers models on that site.


@dataclass(frozen=True)
class LiveItem:
    """One stage or service at one office, as staff need to read it."""

    code: str
    name: str
    state: str
    badge: SafeString
    cause: str
    detail: str
    since: str
    # What a tap on the stage does: "close", "reopen" or "" (nothing staff can do here).
    quick: str = ""


def live_status(user) -> dict:
    """The published snapshot for the offices ``user`` may act on, with causes spelled out."""
    from services.admin import state_badge

    bundle = published()
    scope = {o.code: o for o in Office.objects.for_user(user).only("pk", "code", "timezone")}
    decisions = _decisions_by_office({code: o.pk for code, o in scope.items()})
    offices = []
    for office in bundle.snapshot.offices:
        if office.code not in scope:
            continue
        zone = ZoneInfo(scope[office.code].timezone)
        offices.append(
            {
                "code": office.code,
                "pk": scope[office.code].pk,
                "name": bundle.offices[office.code].name,
                "zone": f"{timezone.now().astimezone(zone):%Z}",
                "stages": [_item(s, "stage", office.code, bundle, zone) for s in office.stages],
                "services": [
                    _item(s, "service", office.code, bundle, zone) for s in office.services
                ],
                **decisions[office.code],
            }
        )
    here = timezone.get_current_timezone()
    return {
        "generated_at": zone_moment(bundle.snapshot.generated_at, here, with_date=True),
        "stale": bundle.snapshot.stale,
        "systems": [
            {
                "name": s.name,
                "badge": state_badge(s.state),
                "source": StateSource(s.source).label(get_language()),
                "checked_at": zone_moment(s.checked_at, here),
            }
            for s in bundle.snapshot.systems
        ],
        "offices": offices,
    }


def _decisions_by_office(scope: dict[str, int]) -> dict[str, dict[str, list]]:
    """Overrides in force and closures now or to come, per office code of ``scope``."""
    now = timezone.now()
    found: dict[str, dict[str, list]] = {c: {"overrides": [], "closures": []} for c in scope}
    overrides = Override.objects.active(now).filter(office__pk__in=scope.values())
    from services.admin.decisions import target_words

    for override in overrides.select_related("office", "stage", "service", "actor"):
        override.target_words = target_words(override)
        found[override.office.code]["overrides"].append(override)
    closures = OfficeClosure.objects.relevant(now).filter(office__pk__in=scope.values())
    for closure in closures.select_related("office", "actor"):
        found[closure.office.code]["closures"].append(closure)
    return found


def _quick(status) -> str:
    """The one-tap action a stage offers: close it, or open it again."""
    if status.cause == Cause.CLOSURE:
        return ""  # the whole office is closed: end the closure instead
    return "reopen" if status.state == StageState.CLOSED else "close"


def _item(status, kind: str, office: str, bundle: Published, zone: ZoneInfo) -> LiveItem:
    """A stage or a service (``kind``) at ``office``, as staff read it."""
    from services.admin import cause_words, in_language, state_badge

    names = bundle.stage_names if kind == "stage" else bundle.service_names
    detail = _detail(status, bundle)
    if kind == "service" and status.available_stages and status.waiting_stages:
        stages = ", ".join(in_language(bundle.stage_names[c]) for c in status.available_stages)
        today = _("possible today: %(stages)s") % {"stages": stages}
        detail = f"{today}; {detail}" if detail else today
    return LiveItem(
        code=status.code,
        name=in_language(names[status.code]),
        state=status.state,
        badge=state_badge(status.state),
        cause=cause_words().get(status.cause, ""),
        detail=detail,
        since=zone_moment(bundle.since.get((office, kind, status.code)), zone),
        quick=_quick(status) if kind == "stage" else "",
    )


def _detail(status, bundle: Published) -> str:
    """Staff's reason for overrides and closures, else which systems it waits for."""
    from services.admin import in_language

    if status.cause in (Cause.OVERRIDE, Cause.CLOSURE):
        return f"“{status.reason}”"
    if status.waiting_for:
        systems = ", ".join(bundle.system_names.get(c, c) for c in status.waiting_for)
        blocked = getattr(status, "blocked_stage", None)
        if blocked:
            return _("stage %(stage)s waits for %(systems)s") % {
                "stage": in_language(bundle.stage_names[blocked]),
                "systems": systems,
            }
        return _("waits for %(systems)s") % {"systems": systems}
    return ""


# --- Time zone ------------------------------------------------------------------------------


def staff_zone(user) -> ZoneInfo:
    """The time zone the admin shows ``user``: their offices' own, when they share one."""
    zones = set(Office.objects.for_user(user).values_list("timezone", flat=True).distinct()[:2])
    return ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)


class StaffTimeZoneMiddleware:
    """Show the admin in the staff member's office time zone (WIB, WITA or WIT)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not request.path.startswith(self.prefix) or user is None or not user.is_authenticated:
            return self.get_response(request)
        with timezone.override(staff_zone(user)):
            return self.get_response(request)
