"""Admin for staff decisions: overrides and office closures (cleared, never deleted)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from offices.admin import OfficeScopedAdmin, ScopedOfficeFilter
from offices.models import Office, OfficeClosure

from .. import overrides
from ..choices import ForcedState
from ..models import Override, Service, Stage
from ..states import RecordState
from .display import (
    BoundedDateHierarchy,
    apply_errors,
    confirm_action,
    datetime_field,
    look_badge,
    state_badge,
)
from .names import STAGE_AND_SERVICE_FILTERS, LocalizedChoiceField, localized_name

# --- Overrides ------------------------------------------------------------------------------


class OverrideAddForm(forms.ModelForm):
    """One override at one or more offices; checked by the same rules as the API."""

    offices = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Offices"),
        queryset=Office.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("One override is made for each office you tick."),
    )
    stage = LocalizedChoiceField(
        label=gettext_lazy("Stage"),
        queryset=Stage.objects.all(),
        required=False,
        help_text=gettext_lazy("Choose a stage or a service, not both."),
    )
    service = LocalizedChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.all(), required=False
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Open or closed"),
        choices=ForcedState.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("What the public sees, whatever the systems say."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to the public as the reason."),
    )
    expires_at = datetime_field(
        label=gettext_lazy("Until"),
        required=False,
        help_text=gettext_lazy("Leave empty: until someone clears it."),
    )
    user = None  # set per request by OverrideAdmin.get_form

    class Meta:
        model = Override
        fields = ["stage", "service", "state", "reason", "expires_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = Office.objects.for_user(self.user)

    def validate_constraints(self) -> None:
        """Skip the database's own check: ``clean`` says the same as a sentence."""

    def clean(self) -> dict:
        data = super().clean()
        try:
            overrides.validate_overrides(
                data.get("offices") or [],
                stage=data.get("stage"),
                service=data.get("service"),
                state=data.get("state", ""),
                reason=data.get("reason", ""),
                expires_at=data.get("expires_at"),
                now=timezone.now(),
            )
        except ValidationError as error:
            apply_errors(self, error, {"office": "offices"})
        return data


class OverrideStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("in force")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        language = get_language()
        shown = (RecordState.EXPIRED, RecordState.CLEARED)
        return [("yes", RecordState.ACTIVE.label(language))] + [
            (s.value, s.label(language)) for s in shown
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.active(now)
        # The expiry task marks expired overrides cleared at (or after) their expiry.
        if self.value() == RecordState.EXPIRED:
            return queryset.filter(expires_at__lte=now).filter(
                Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("expires_at"))
            )
        if self.value() == RecordState.CLEARED:
            return queryset.filter(cleared_at__isnull=False).filter(
                Q(expires_at__isnull=True) | Q(cleared_at__lt=F("expires_at"))
            )
        return queryset


@admin.register(Override)
class OverrideAdmin(BoundedDateHierarchy, OfficeScopedAdmin):
    list_display = [
        "office",
        "target",
        "forced",
        "reason",
        "actor",
        "created_at",
        "expires_at",
        "status",
    ]
    list_filter = [ScopedOfficeFilter, OverrideStatusFilter, "state", *STAGE_AND_SERVICE_FILTERS]
    list_select_related = ["office", "stage", "service", "actor", "cleared_by"]
    search_fields = ["reason", "office__code", "office__name", "stage__code", "service__code"]
    search_help_text = gettext_lazy("Search reasons, offices, stages or services.")
    date_hierarchy = "created_at"
    actions = ["clear_selected"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = ["offices", "stage", "service", "state", "reason", "expires_at"]
            return [(None, {"fields": fields})]
        return [(None, {"fields": self.get_readonly_fields(request, obj)})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = type("OverrideAddForm", (OverrideAddForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        if isinstance(initial.get("offices"), str):
            initial["offices"] = initial["offices"].split(",")
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        shown = ["office", "target", "forced", "reason", "actor", "created_at", "expires_at"]
        return [*shown, "status", "cleared_at", "cleared_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        # An override is never edited: it is cleared, and a new one made.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history is kept: clear an override instead of deleting it

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = overrides.create_overrides(
            data["offices"],
            stage=data.get("stage"),
            service=data.get("service"),
            state=data["state"],
            reason=data["reason"],
            expires_at=data.get("expires_at"),
            actor=request.user,
        )
        # The admin redirects to, and logs, the object it was given: make it the first.
        adopt(obj, created[0])
        request._created_overrides = created

    def log_addition(self, request, obj, message):
        for override in getattr(request, "_created_overrides", [obj]):
            super().log_addition(request, override, override_message(CREATED, override))

    @admin.display(description=gettext_lazy("stage / service"))
    def target(self, obj: Override) -> str:
        return target_words(obj)

    @admin.display(description=gettext_lazy("open or closed"), ordering="state")
    def forced(self, obj: Override) -> SafeString:
        return state_badge(obj.state)

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: Override) -> SafeString:
        ended = obj.cleared_at or timezone.now()
        if obj.expires_at is not None and obj.expires_at <= ended:
            return look_badge(RecordState.EXPIRED)
        if obj.cleared_at is not None:
            by = _(" by %(user)s") % {"user": obj.cleared_by} if obj.cleared_by_id else ""
            return look_badge(RecordState.CLEARED, by)
        return look_badge(RecordState.ACTIVE)

    @admin.action(description=gettext_lazy("Clear the selected overrides"), permissions=["change"])
    def clear_selected(self, request, queryset):
        queryset = queryset.select_related("office", "stage", "service")

        def perform(data: dict) -> str:
            active = list(queryset.active(timezone.now()))
            count = overrides.clear_overrides(active, actor=request.user)
            for override in active:
                self.log_change(request, override, override_message(CLEARED, override))
            return ngettext(
                "%(count)d override cleared.", "%(count)d overrides cleared.", count
            ) % {"count": count}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("Clear overrides"),
            description=_("These overrides stop applying now (they stay in the history)."),
            perform=perform,
        )


def adopt(obj: Override | OfficeClosure, saved: Override | OfficeClosure) -> None:
    """Make the admin's unsaved form object stand for a row a write function saved."""
    obj.pk, obj.office, obj.actor = saved.pk, saved.office, saved.actor
    obj.created_at = saved.created_at
    obj._state.adding = False


CREATED = gettext_lazy("Created")
CLEARED = gettext_lazy("Cleared")
ENDED = gettext_lazy("Ended")


def target_words(override: Override) -> str:
    """What an override sets: "stage Printing" or "service Regular passport"."""
    if override.stage_id:
        return _("stage %(name)s") % {"name": localized_name(override.stage)}
    return _("service %(name)s") % {"name": localized_name(override.service)}


def local_moment(moment) -> str:
    """A moment in the active time zone, with the zone's name (WIB, WITA, WIT)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H.%M %Z}"


def override_message(verb: str, override: Override) -> str:
    """A log line that says what and why, in the active language."""
    until = ""
    if override.expires_at:
        until = _(", until %(moment)s") % {"moment": local_moment(override.expires_at)}
    return _('%(verb)s: %(target)s %(state)s at %(office)s%(until)s. Reason: "%(reason)s"') % {
        "verb": verb,
        "target": target_words(override),
        "state": override.get_state_display().lower(),
        "office": override.office.code,
        "until": until,
        "reason": override.reason,
    }


# --- Office closures ------------------------------------------------------------------------


class OfficeClosureAddForm(forms.ModelForm):
    """A closure window for one or more offices."""

    offices = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Offices"),
        queryset=Office.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to the public as the reason."),
    )
    starts_at = datetime_field(label=gettext_lazy("Starts"))
    ends_at = datetime_field(
        label=gettext_lazy("Ends"),
        required=False,
        help_text=gettext_lazy("Leave empty: until someone ends it."),
    )
    user = None

    class Meta:
        model = OfficeClosure
        fields = ["reason", "starts_at", "ends_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = Office.objects.for_user(self.user)
        self.fields["starts_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def validate_constraints(self) -> None:
        """Skip the database's own check: ``clean`` says the same as a sentence."""

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                overrides.validate_closure(
                    reason=data.get("reason", ""),
                    starts_at=data.get("starts_at"),
                    ends_at=data.get("ends_at"),
                    now=timezone.now(),
                )
            except ValidationError as error:
                apply_errors(self, error)
        return data


@admin.register(OfficeClosure)
class OfficeClosureAdmin(BoundedDateHierarchy, OfficeScopedAdmin):
    list_display = ["office", "reason", "starts_at", "ends_at", "actor", "status"]
    list_filter = [ScopedOfficeFilter]
    list_select_related = ["office", "actor", "cleared_by"]
    search_fields = ["reason", "office__code", "office__name"]
    date_hierarchy = "starts_at"
    actions = ["end_selected"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["offices", "reason", "starts_at", "ends_at"]})]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = type(
            "OfficeClosureAddForm", (OfficeClosureAddForm,), {"user": request.user}
        )
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in OfficeClosure._meta.fields if f.name != "id"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = overrides.close_offices(
            data["offices"],
            reason=data["reason"],
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            actor=request.user,
        )
        adopt(obj, created[0])
        request._created_closures = created

    def log_addition(self, request, obj, message):
        for closure in getattr(request, "_created_closures", [obj]):
            super().log_addition(request, closure, closure_message(CREATED, closure))

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: OfficeClosure) -> SafeString:
        now = timezone.now()
        if obj.cleared_at is not None:
            return look_badge(RecordState.ENDED)
        if obj.starts_at > now:
            return look_badge(RecordState.SCHEDULED)
        if obj.ends_at is not None and obj.ends_at <= now:
            return look_badge(RecordState.OVER)
        return look_badge(RecordState.ACTIVE)

    @admin.action(description=gettext_lazy("End the selected closures now"), permissions=["change"])
    def end_selected(self, request, queryset):
        queryset = queryset.select_related("office")

        def perform(data: dict) -> str:
            rows = list(queryset.relevant(timezone.now()))
            count = overrides.end_closures(rows, actor=request.user)
            for closure in rows:
                self.log_change(request, closure, closure_message(ENDED, closure))
            return ngettext("%(count)d closure ended.", "%(count)d closures ended.", count) % {
                "count": count
            }

        return confirm_action(
            self,
            request,
            queryset,
            title=_("End closures"),
            description=_("These closures end now (they stay in the history)."),
            perform=perform,
        )


def closure_message(verb: str, closure: OfficeClosure) -> str:
    """A log line that says which window and why, in the active language."""
    window = local_moment(closure.starts_at)
    if closure.ends_at:
        window += f" – {local_moment(closure.ends_at)}"
    return _('%(verb)s: closure of %(office)s %(window)s. Reason: "%(reason)s"') % {
        "verb": verb,
        "office": closure.office.code,
        "window": window,
        "reason": closure.reason,
    }
