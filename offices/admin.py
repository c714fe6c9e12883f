"""Admin for regions, offices, staff membership and closures."""

from __future__ import annotations

from django.contrib import admin

from .models import Office, OfficeMembership, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


class OfficeMembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "office_class", "tpi", "region"]
    list_filter = ["region", "office_class", "tpi"]
    list_select_related = ["region"]
    inlines = [OfficeMembershipInline]
