"""Admin for advisories."""

from __future__ import annotations

from django.contrib import admin

from services.snapshot import recompute

from .models import Advisory, AdvisoryUpdate


class AdvisoryUpdateInline(admin.StackedInline):
    model = AdvisoryUpdate
    extra = 0


@admin.register(Advisory)
class AdvisoryAdmin(admin.ModelAdmin):
    list_display = ["title_id", "severity", "phase", "published_at", "published_until"]
    list_filter = ["severity", "phase"]
    filter_horizontal = ["offices", "systems"]
    inlines = [AdvisoryUpdateInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user)
