"""Admin for advisories (office-scoped, with their timeline) and API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from services.admin.names import name_models

from .models import Advisory, AdvisoryUpdate, ApiToken

name_models(
    {
        Advisory: (
            gettext_lazy("advisory"),
            gettext_lazy("advisories"),
            {
                "title_id": gettext_lazy("title (Indonesian)"),
                "title_en": gettext_lazy("title (English)"),
                "body_id": gettext_lazy("text (Indonesian)"),
                "body_en": gettext_lazy("text (English)"),
                "severity": gettext_lazy("severity"),
                "phase": gettext_lazy("phase"),
                "offices": gettext_lazy("offices"),
                "systems": gettext_lazy("systems"),
                "published_at": gettext_lazy("published from"),
                "published_until": gettext_lazy("published until"),
                "created_by": gettext_lazy("created by"),
                "created_at": gettext_lazy("created at"),
                "updated_at": gettext_lazy("updated at"),
            },
        ),
        AdvisoryUpdate: (
            gettext_lazy("timeline entry"),
            gettext_lazy("timeline"),
            {
                "advisory": gettext_lazy("advisory"),
                "phase": gettext_lazy("phase"),
                "body_id": gettext_lazy("text (Indonesian)"),
                "body_en": gettext_lazy("text (English)"),
                "actor": gettext_lazy("by"),
                "at": gettext_lazy("at"),
            },
        ),
        ApiToken: (
            gettext_lazy("API token"),
            gettext_lazy("API tokens"),
            {
                "name": gettext_lazy("name"),
                "owner": gettext_lazy("acts as"),
                "hint": gettext_lazy("first letters"),
                "created_at": gettext_lazy("created at"),
                "last_used_at": gettext_lazy("last used at"),
                "revoked_at": gettext_lazy("revoked at"),
            },
        ),
    }
)


from . import advisory_admin  # noqa: E402,F401  registers the advisories' admin


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issue tokens (the secret is shown once, on saving) and revoke them."""

    list_display = ["name", "owner", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["owner"]
    readonly_fields = ["hint", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_tokens"]

    def get_fields(self, request, obj=None):
        return ["name", "owner"] if obj is None else ["name", "owner", *self.readonly_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["help_texts"] = {
            "name": _("Which system uses this token."),
            "owner": _(
                "Changes made with this token are recorded as this account's, "
                "within this account's offices."
            ),
        }
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["owner", *self.readonly_fields]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(owner=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A token acts as its owner: only a superuser may issue one acting as someone else.
        if db_field.name == "owner" and not request.user.is_superuser:
            kwargs["queryset"] = request.user._meta.model.objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = ApiToken.new_secret()  # kept on this instance only, for response_add
            obj.set_secret(obj.secret)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the secret once, on this page: a message would carry it in a cookie."""
        context = {**self.admin_site.each_context(request), "opts": self.opts, "token": obj}
        context["secret"] = obj.secret
        response = TemplateResponse(request, "admin/portal/apitoken/issued.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        for token in queryset:
            token.revoke()
