"""One tap from the admin home: close a stage at an office, or open it again.

The page asks only for a reason and, optionally, until when; it saves through the same
write functions as the override form (scope, validation, audit trail).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offices.models import Office

from .. import overrides
from ..choices import ForcedState, StageState
from ..models import Override, Stage
from ..snapshot import published
from .decisions import CLEARED, CREATED, override_message
from .display import ReasonForm, apply_errors, datetime_field
from .names import localized_name

ACTIONS = ("close", "reopen")
PERMISSIONS = ("services.add_override", "services.change_override")


class QuickStageForm(ReasonForm):
    """Why, and until when: all a quick action asks."""

    expires_at = datetime_field(
        label=gettext_lazy("Until (optional)"),
        required=False,
        help_text=gettext_lazy("Leave empty: until someone changes it again."),
    )


def quick_stage_view(request: HttpRequest, office: str, stage: str, action: str) -> HttpResponse:
    """Ask for a reason, then close the stage (or open it again) at the office."""
    if action not in ACTIONS:
        raise Http404
    if not request.user.has_perms(PERMISSIONS):
        raise PermissionDenied
    place = get_object_or_404(Office.objects.for_user(request.user), code=office)
    step = get_object_or_404(Stage, code=stage)
    form = QuickStageForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            message = perform(request, place, step, action, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, message)
            return HttpResponseRedirect(reverse("admin:index") + f"#office-{place.code}")
    name = localized_name(step)
    context = {
        **admin.site.each_context(request),
        "title": (_("Close %(stage)s") if action == "close" else _("Open %(stage)s again"))
        % {"stage": name.lower()},
        "office": place,
        "stage_name": name,
        "action": action,
        "form": form,
    }
    return TemplateResponse(request, "admin/quick_stage.html", context)


def perform(request: HttpRequest, office: Office, stage: Stage, action: str, data: dict) -> str:
    """Close or reopen ``stage`` at ``office``; return what happened, in the staff's words.

    1. Check the decision first, so a refused one changes nothing.
    2. Clear the overrides in force on the stage there (a new decision replaces them).
    3. Close: force it closed. Reopen: if the systems still keep it closed, force it open.
    """
    name = localized_name(stage).lower()
    overrides.validate_overrides(
        [office],
        stage=stage,
        service=None,
        state=ForcedState.CLOSED if action == "close" else ForcedState.OPEN,
        reason=data["reason"],
        expires_at=data.get("expires_at"),
        now=timezone.now(),
    )
    held = Override.objects.active(timezone.now()).filter(office=office, stage=stage)
    held = list(held.select_related("office", "stage", "service"))
    overrides.clear_overrides(held, actor=request.user)
    log = admin.site._registry[Override]
    for override in held:
        note = _('%(log)s Replaced: "%(reason)s"') % {
            "log": override_message(CLEARED, override),
            "reason": data["reason"],
        }
        log.log_change(request, override, note)
    if action == "close":
        force(request, office, stage, ForcedState.CLOSED, data)
        return _("%(stage)s is closed at %(office)s.") % {"stage": name, "office": office.name}
    office_now = next(o for o in published().snapshot.offices if o.code == office.code)
    if office_now.stage(stage.code).state != StageState.OPEN:
        force(request, office, stage, ForcedState.OPEN, data)
    return _("%(stage)s is open again at %(office)s.") % {"stage": name, "office": office.name}


def force(request: HttpRequest, office: Office, stage: Stage, state: str, data: dict) -> None:
    """Force ``stage`` to ``state`` at ``office`` with an override, and log it."""
    created = overrides.create_overrides(
        [office],
        stage=stage,
        state=state,
        reason=data["reason"],
        expires_at=data.get("expires_at"),
        actor=request.user,
    )
    log = admin.site._registry[Override]
    for override in created:
        log.log_addition(request, override, override_message(CREATED, override))
