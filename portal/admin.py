"""Admin for advisories."""

from __future__ import annotations

from django.contrib import admin

from services.snapshot import recompute

from .models import Advisory, AdvisoryUpdate, ApiToken


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

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["owner", *self.readonly_fields]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(owner=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A token acts as its owner: only a superuser may issue one acting as someone else.
        if db_field.name == "owner" and not request.user.is_superuser:
            kwargs["queryset"] = type(request.user).objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        secret = ApiToken.new_secret()
        obj.set_secret(secret)
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            f"Token for {obj.name}: {secret} — copy it now, it will not be shown again.",
        )

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset):
        for token in queryset:
            token.revoke()
