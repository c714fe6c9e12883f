"""Admin for the reference data: stages and services."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from ..choices import Cause
from ..models import (
    Service,
    ServiceStage,
    Stage,
    StageRequirement,
)
from ..snapshot import recompute
from .names import LocalizedNamesMixin


class StageRequirementInline(admin.TabularInline):
    model = StageRequirement
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "name_en", "order", "tpi_only"]
    search_fields = ["code", "name_id", "name_en"]
    inlines = [StageRequirementInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its status history would go with it


class ServiceStageInline(LocalizedNamesMixin, admin.TabularInline):
    model = ServiceStage
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "mode", "season_start", "season_end"]
    search_fields = ["code", "name_id", "name_en"]
    inlines = [ServiceStageInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Tick boxes: usable on a phone, and worded by the field's own name.
        kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its status history would go with it

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user, cause=Cause.SCHEDULE)
