"""Admin for immigration services, systems, overrides and the simulator."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone

from offices.models import OfficeClosure

from .choices import Cause
from .models import (
    HealthObservation,
    Override,
    Service,
    ServiceStage,
    SimulatedPdn,
    Stage,
    StageRequirement,
    StatusEvent,
    UpstreamSystem,
)
from .overrides import validate_override
from .snapshot import recompute


class StageRequirementInline(admin.TabularInline):
    model = StageRequirement
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "order", "tpi_only"]
    inlines = [StageRequirementInline]


class ServiceStageInline(admin.TabularInline):
    model = ServiceStage
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "mode", "season_start", "season_end"]
    filter_horizontal = ["offices"]
    inlines = [ServiceStageInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user, cause=Cause.SCHEDULE)


@admin.register(UpstreamSystem)
class UpstreamSystemAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "state",
        "observed_state",
        "manual_state",
        "checked_at",
        "changed_at",
    ]
    readonly_fields = [
        "observed_state",
        "observed_error",
        "checked_at",
        "consecutive_failures",
        "consecutive_successes",
        "state",
        "changed_at",
        "manual_actor",
        "manual_at",
    ]


class OverrideForm(forms.ModelForm):
    class Meta:
        model = Override
        fields = ["office", "stage", "service", "state", "reason", "expires_at"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("office"):
            validate_override(
                data["office"],
                stage=data.get("stage"),
                service=data.get("service"),
                state=data.get("state", ""),
                reason=data.get("reason", ""),
                expires_at=data.get("expires_at"),
                now=timezone.now(),
            )
        return data


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    form = OverrideForm
    list_display = [
        "office",
        "stage",
        "service",
        "state",
        "reason",
        "actor",
        "created_at",
        "expires_at",
        "cleared_at",
    ]
    list_filter = ["office", "state"]
    list_select_related = ["office", "stage", "service", "actor"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.actor = request.user
        super().save_model(request, obj, form, change)
        recompute(actor=request.user, cause=Cause.OVERRIDE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history is kept: clear an override instead of deleting it


@admin.register(StatusEvent)
class StatusEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "office",
        "stage",
        "service",
        "system",
        "old_state",
        "new_state",
        "cause",
        "actor",
    ]
    list_filter = ["cause", "office"]
    list_select_related = ["office", "stage", "service", "system", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HealthObservation)
class HealthObservationAdmin(admin.ModelAdmin):
    list_display = ["at", "system", "state", "error", "latency_ms", "detail"]
    list_filter = ["system", "error"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SimulatedPdn)
class SimulatedPdnAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "cekal", "fault", "updated_at"]
    list_editable = ["status", "cekal", "fault"]
    list_display_links = ["__str__"]

    def has_add_permission(self, request) -> bool:
        return not SimulatedPdn.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OfficeClosure)
class OfficeClosureAdmin(admin.ModelAdmin):
    list_display = ["office", "reason", "starts_at", "ends_at", "actor"]
    list_filter = ["office"]
    list_select_related = ["office", "actor"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.actor = request.user
        super().save_model(request, obj, form, change)
        recompute(actor=request.user, cause=Cause.CLOSURE)
