"""Admin for regions, offices and staff membership, and the office scope every admin obeys."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Office, OfficeMembership, Region, RegionMembership, ServiceGuidance


def scoped_offices(request: HttpRequest) -> QuerySet[Office]:
    """Offices the requesting user may act on."""
    return Office.objects.for_user(request.user)


class ScopedOfficeFilter(admin.SimpleListFilter):
    """Filter by office, offering only the offices the user may act on."""

    title = _("office")
    parameter_name = "office"
    field = "office"

    def lookups(self, request, model_admin):
        return [(o.code, o.name) for o in scoped_offices(request)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}__code": self.value()})
        return queryset


class ScopedOfficesFilter(ScopedOfficeFilter):
    """The same, for rows that concern several offices."""

    parameter_name = "offices"
    field = "offices"


class OfficeScopedAdmin(admin.ModelAdmin):
    """Staff see and change only the rows of offices they may act on (superusers: all).

    The scope is applied to the list and every object lookup (``get_queryset``), to the
    office choices of forms, and again by the write functions when saving.
    """

    office_field = "office"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        rows = rows.filter(**{f"{self.office_field}__in": scoped_offices(request)})
        # Rows that concern several offices match once per office in scope.
        many = self.model._meta.get_field(self.office_field).many_to_many
        return rows.distinct() if many else rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.office_field:
            kwargs["queryset"] = scoped_offices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == self.office_field:
            kwargs["queryset"] = scoped_offices(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OfficeMembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("office staff")
    verbose_name_plural = _("office staff (may change this office's status)")


class RegionMembershipInline(admin.TabularInline):
    model = RegionMembership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("regional staff")
    verbose_name_plural = _("regional staff (may change every office of this region)")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [RegionMembershipInline]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    # A map link typed without a scheme is an https one (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["code", "name", "office_class", "tpi", "region"]
    list_filter = ["region", "office_class", "tpi"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]
    inlines = [OfficeMembershipInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "office_class", "tpi", "region", "position"]}),
        (
            _("contact for the public"),
            {
                "fields": ["address", "phone", "whatsapp", "email", "map_url"],
                "description": _(
                    "Shown on the office page. Leave empty what is not certain: the page says "
                    "that contact is not on record yet."
                ),
            },
        ),
        (_("opening hours"), {"fields": ["timezone", "opening_hours"]}),
    ]

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(pk__in=scoped_offices(request))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an office's status history would go with it

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # Staff keep how the public reaches their office; the rest is the administrators'.
        return [
            "code",
            "name",
            "office_class",
            "tpi",
            "region",
            "position",
            "timezone",
            "opening_hours",
        ]


@admin.register(ServiceGuidance)
class ServiceGuidanceAdmin(admin.ModelAdmin):
    """What the office page advises per service and state, in both languages."""

    list_display = ["service_code", "state", "text_id", "updated_at"]
    list_filter = ["service_code", "state"]
    search_fields = ["service_code", "text_id", "text_en"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a service and state without guidance would show nothing


class UserOfficeMembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    verbose_name = _("office")
    verbose_name_plural = _("offices this account may change")


class UserRegionMembershipInline(admin.TabularInline):
    model = RegionMembership
    extra = 0
    verbose_name = _("region")
    verbose_name_plural = _("regions whose every office this account may change")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, with where each staff account may act."""

    inlines = [UserOfficeMembershipInline, UserRegionMembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the audit trail keeps saying who did what
