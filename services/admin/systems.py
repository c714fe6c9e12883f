"""Admin for upstream systems, the simulated PDN and the status history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from offices.admin import ScopedOfficeFilter, scoped_offices

from .. import overrides, states
from ..choices import SystemState
from ..models import (
    HealthObservation,
    SimulatedPdn,
    StatusEvent,
    UpstreamSystem,
)
from .display import BoundedDateHierarchy, DeclareForm, confirm_action, state_badge
from .names import localized_name

# --- Systems --------------------------------------------------------------------------------


@admin.register(UpstreamSystem)
class UpstreamSystemAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "state_now",
        "source_now",
        "manual_reason",
        "manual_actor",
        "checked_at",
        "changed_at",
    ]
    list_select_related = ["manual_actor"]
    actions = ["declare_state", "clear_declarations"]
    readonly_fields = [
        "observed_state",
        "observed_error",
        "checked_at",
        "consecutive_failures",
        "consecutive_successes",
        "state",
        "changed_at",
        "manual_state",
        "manual_reason",
        "manual_actor",
        "manual_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields  # configuration (name, health field) stays editable
        return [f.name for f in UpstreamSystem._meta.fields if f.name != "id"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_now(self, obj: UpstreamSystem) -> SafeString:
        return state_badge(obj.state)

    @admin.display(description=gettext_lazy("source"))
    def source_now(self, obj: UpstreamSystem) -> str:
        language = get_language()
        if obj.manual_state:
            word = states.SystemState(obj.manual_state).label(language).lower()
            return f"{states.StateSource.MANUAL.label(language)}: {word}"
        return states.StateSource.POLLER.label(language)

    @admin.action(
        description=gettext_lazy("Declare the state of the selected systems"),
        permissions=["change"],
    )
    def declare_state(self, request, queryset):
        def perform(data: dict) -> str:
            word = SystemState(data["state"]).label.lower()
            for system in queryset:
                overrides.declare_system(
                    system, state=data["state"], reason=data["reason"], actor=request.user
                )
                self.log_change(
                    request,
                    system,
                    _('Declared %(state)s. Reason: "%(reason)s"')
                    % {"state": word, "reason": data["reason"]},
                )
            return ngettext(
                "%(count)d system declared %(state)s.",
                "%(count)d systems declared %(state)s.",
                len(queryset),
            ) % {"count": len(queryset), "state": word}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("Declare a system's state"),
            description=_(
                "This state replaces what the poller finds until you hand it back to the poller."
            ),
            perform=perform,
            form_class=DeclareForm,
        )

    @admin.action(
        description=gettext_lazy("Hand the selected systems back to the poller"),
        permissions=["change"],
    )
    def clear_declarations(self, request, queryset):
        def perform(data: dict) -> str:
            for system in queryset:
                overrides.clear_declaration(system, actor=request.user)
                self.log_change(request, system, _("Declaration cleared; back to the poller."))
            return ngettext(
                "%(count)d system follows the poller again.",
                "%(count)d systems follow the poller again.",
                len(queryset),
            ) % {"count": len(queryset)}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("Hand back to the poller"),
            description=_(
                "The declaration is cleared; the state follows the automatic checks again."
            ),
            perform=perform,
        )


@admin.register(SimulatedPdn)
class SimulatedPdnAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "cekal", "fault", "updated_at"]
    list_editable = ["status", "cekal", "fault"]
    list_display_links = ["__str__"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # The model lists bare state values; staff read each state's word.
        if db_field.name in ("status", "cekal"):
            kwargs["choices"] = [
                (value, label)
                for value, label in SystemState.choices
                if value in {v for v, _label in db_field.choices}
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_add_permission(self, request) -> bool:
        return not SimulatedPdn.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def event_subject(event: StatusEvent) -> str:
    """What changed: a stage, a service or a system, named in the active language."""
    if event.stage_id:
        return _("stage %(name)s") % {"name": localized_name(event.stage)}
    if event.service_id:
        return _("service %(name)s") % {"name": localized_name(event.service)}
    return _("system %(name)s") % {"name": event.system.name} if event.system_id else "—"


class StateFilter(admin.AllValuesFieldListFilter):
    """Filter by a recorded state, each named by its table's word."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            value = choice["display"]
            shown = states.VisitorState.lookup(value) or states.SystemState.lookup(value)
            if shown is not None:
                choice = {**choice, "display": shown.label(get_language())}
            yield choice


# --- History --------------------------------------------------------------------------------


@admin.register(StatusEvent)
class StatusEventAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    list_display = [
        "at",
        "office",
        "subject",
        "old",
        "new",
        "cause",
        "reason",
        "actor",
    ]
    list_filter = [ScopedOfficeFilter, "cause", "system", ("new_state", StateFilter)]
    fields = ["at", "office", "subject", "old", "new", "cause", "reason", "actor"]
    readonly_fields = fields
    list_select_related = ["office", "stage", "service", "system", "actor"]
    search_fields = ["reason", "actor__username", "office__code", "stage__code", "service__code"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        # System transitions concern every office, so every staff member may read them.
        return rows.filter(Q(office__in=scoped_offices(request)) | Q(office__isnull=True))

    @admin.display(description=gettext_lazy("what"))
    def subject(self, obj: StatusEvent) -> str:
        return event_subject(obj)

    @admin.display(description=gettext_lazy("from"), ordering="old_state")
    def old(self, obj: StatusEvent) -> SafeString:
        return state_badge(obj.old_state)

    @admin.display(description=gettext_lazy("to"), ordering="new_state")
    def new(self, obj: StatusEvent) -> SafeString:
        return state_badge(obj.new_state)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HealthObservation)
class HealthObservationAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    list_display = ["at", "system", "state", "error", "latency_ms", "detail"]
    list_filter = ["system", "error"]
    list_select_related = ["system"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
