"""Admin for upstream systems, the simulated PDN and the status history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.safestring import SafeString

from offices.admin import ScopedOfficeFilter, scoped_offices

from .. import overrides
from ..models import (
    HealthObservation,
    SimulatedPdn,
    StatusEvent,
    UpstreamSystem,
)
from .display import BoundedDateHierarchy, DeclareForm, confirm_action, state_badge

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

    @admin.display(description="status", ordering="state")
    def state_now(self, obj: UpstreamSystem) -> SafeString:
        return state_badge(obj.state)

    @admin.display(description="sumber")
    def source_now(self, obj: UpstreamSystem) -> str:
        return f"manual: {obj.manual_state}" if obj.manual_state else "poller"

    @admin.action(description="Nyatakan status sistem terpilih", permissions=["change"])
    def declare_state(self, request, queryset):
        def perform(data: dict) -> str:
            for system in queryset:
                overrides.declare_system(
                    system, state=data["state"], reason=data["reason"], actor=request.user
                )
                self.log_change(
                    request, system, f'Dinyatakan {data["state"]}. Alasan: "{data["reason"]}"'
                )
            return f"Status dinyatakan {data['state']} untuk {len(queryset)} sistem."

        return confirm_action(
            self,
            request,
            queryset,
            title="Nyatakan status sistem",
            description="Status ini menggantikan hasil poller sampai dikembalikan ke poller.",
            perform=perform,
            form_class=DeclareForm,
        )

    @admin.action(description="Kembalikan sistem terpilih ke poller", permissions=["change"])
    def clear_declarations(self, request, queryset):
        def perform(data: dict) -> str:
            for system in queryset:
                overrides.clear_declaration(system, actor=request.user)
                self.log_change(request, system, "Pernyataan manual dicabut; kembali ke poller.")
            return f"{len(queryset)} sistem kembali mengikuti poller."

        return confirm_action(
            self,
            request,
            queryset,
            title="Kembalikan ke poller",
            description="Pernyataan manual dicabut; status mengikuti hasil pemeriksaan otomatis.",
            perform=perform,
        )


@admin.register(SimulatedPdn)
class SimulatedPdnAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "cekal", "fault", "updated_at"]
    list_editable = ["status", "cekal", "fault"]
    list_display_links = ["__str__"]

    def has_add_permission(self, request) -> bool:
        return not SimulatedPdn.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    list_filter = [ScopedOfficeFilter, "cause", "system", "new_state"]
    list_select_related = ["office", "stage", "service", "system", "actor"]
    search_fields = ["reason", "actor__username", "office__code", "stage__code", "service__code"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        # System transitions concern every office, so every staff member may read them.
        return rows.filter(Q(office__in=scoped_offices(request)) | Q(office__isnull=True))

    @admin.display(description="apa")
    def subject(self, obj: StatusEvent) -> str:
        if obj.stage_id:
            return f"tahap {obj.stage.code}"
        if obj.service_id:
            return f"layanan {obj.service.code}"
        return f"sistem {obj.system.code}" if obj.system_id else "—"

    @admin.display(description="dari", ordering="old_state")
    def old(self, obj: StatusEvent) -> SafeString:
        return state_badge(obj.old_state)

    @admin.display(description="menjadi", ordering="new_state")
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
