"""Admin for advisories (office-scoped, with their timeline) and API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString

from offices.admin import OfficeScopedAdmin, ScopedOfficesFilter
from offices.models import Office
from services import states
from services.admin import look_badge, state_badge
from services.overrides import check_offices_scope
from services.snapshot import recompute

from .models import Advisory, AdvisoryUpdate, ApiToken


class AdvisoryUpdateInline(admin.StackedInline):
    """The timeline: entries are added, never edited or removed."""

    model = AdvisoryUpdate
    extra = 0
    fields = ["phase", "body_id", "body_en", "actor", "at"]
    readonly_fields = ["actor", "at"]
    can_delete = False
    verbose_name = "pembaruan"
    verbose_name_plural = "linimasa pembaruan"

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AdvisoryForm(forms.ModelForm):
    user = None  # set per request by AdvisoryAdmin.get_form

    class Meta:
        model = Advisory
        fields = [
            "title_id",
            "title_en",
            "body_id",
            "body_en",
            "severity",
            "phase",
            "offices",
            "systems",
            "published_at",
            "published_until",
        ]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("published_at"), data.get("published_until")
        if end and not start:
            self.add_error("published_at", "Isi waktu mulai tayang sebelum waktu berakhirnya.")
        elif start and end and end <= start:
            self.add_error("published_until", "Penayangan harus berakhir sesudah dimulai.")
        if "offices" in self.fields and not self.user.is_superuser and not data.get("offices"):
            self.add_error("offices", "Pilih minimal satu kantor.")
        return data


class PublicationFilter(admin.SimpleListFilter):
    title = "penayangan"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        shown = (states.RecordState.DRAFT, states.RecordState.PUBLISHED, states.RecordState.OVER)
        return [(state.value, state.label_id) for state in shown]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == states.RecordState.DRAFT:
            return queryset.filter(published_at__isnull=True)
        if self.value() == states.RecordState.PUBLISHED:
            return queryset.published(now)
        if self.value() == states.RecordState.OVER:
            return queryset.filter(published_until__lte=now)
        return queryset


@admin.register(Advisory)
class AdvisoryAdmin(OfficeScopedAdmin):
    """Advisories of the user's offices; one that also concerns other offices is read-only."""

    office_field = "offices"
    form = AdvisoryForm
    list_display = ["title_id", "severity_badge", "phase_word", "publication", "office_codes"]
    list_filter = [ScopedOfficesFilter, PublicationFilter, "severity", "phase"]
    search_fields = ["title_id", "title_en", "body_id", "body_en"]
    filter_horizontal = ["offices", "systems"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        ("Isi", {"fields": ["title_id", "title_en", "body_id", "body_en"]}),
        ("Dampak", {"fields": ["severity", "phase", "offices", "systems"]}),
        (
            "Penayangan",
            {
                "fields": ["published_at", "published_until"],
                "description": "Kosongkan waktu mulai: tetap draf, tidak terlihat publik.",
            },
        ),
        ("Catatan", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    inlines = [AdvisoryUpdateInline]
    actions = ["publish_now", "end_publication"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("offices")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = type("AdvisoryForm", (AdvisoryForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self.within_scope(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # end the publication instead: what the public was told stays on record

    def within_scope(self, request, obj: Advisory) -> bool:
        """Whether every office the advisory concerns is one the user may act on."""
        if request.user.is_superuser:
            return True
        offices = {o.pk for o in obj.offices.all()}
        allowed = set(Office.objects.for_user(request.user).values_list("pk", flat=True))
        return bool(offices) and offices <= allowed

    def save_model(self, request, obj, form, change):
        # The form offers only the user's offices; this refuses a crafted POST all the same.
        check_offices_scope(request.user, form.cleaned_data.get("offices") or [])
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        entries = formset.save(commit=False)
        for entry in entries:
            entry.actor, entry.at = request.user, timezone.now()
            entry.save()
        if entries:
            # The advisory is in the phase of its latest timeline entry.
            Advisory.objects.filter(pk=form.instance.pk).update(phase=entries[-1].phase)
            form.instance.phase = entries[-1].phase

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user)  # new bundle token: the public documents are rebuilt

    @admin.display(description="tingkat", ordering="severity")
    def severity_badge(self, obj: Advisory) -> SafeString:
        return state_badge(obj.severity, (states.AdvisorySeverity,))

    @admin.display(description="fase", ordering="phase")
    def phase_word(self, obj: Advisory) -> str:
        phase = states.AdvisoryPhase.lookup(obj.phase)
        return phase.label_id if phase else obj.phase

    @admin.display(description="penayangan", ordering="published_at")
    def publication(self, obj: Advisory) -> SafeString:
        now = timezone.now()
        if obj.published_at is None:
            return look_badge(states.RecordState.DRAFT)
        if obj.published_until is not None and obj.published_until <= now:
            return look_badge(states.RecordState.OVER)
        if obj.published_at > now:
            return look_badge(states.RecordState.SCHEDULED)
        return look_badge(states.RecordState.PUBLISHED)

    @admin.display(description="kantor")
    def office_codes(self, obj: Advisory) -> str:
        return ", ".join(o.code for o in obj.offices.all()) or "semua"

    def _changeable(self, request, queryset) -> list[Advisory]:
        rows = list(queryset)
        allowed = [a for a in rows if self.within_scope(request, a)]
        if len(allowed) < len(rows):
            self.message_user(
                request,
                f"{len(rows) - len(allowed)} pengumuman dilewati: menyangkut kantor lain.",
                level="warning",
            )
        return allowed

    @admin.action(description="Terbitkan sekarang", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        rows = self._changeable(request, queryset)
        for advisory in rows:
            live = advisory.published_at is not None and advisory.published_at <= now
            if not live:
                advisory.published_at = now
            if advisory.published_until is not None and advisory.published_until <= now:
                advisory.published_until = None
            advisory.save(update_fields=["published_at", "published_until", "updated_at"])
            self.log_change(request, advisory, "Diterbitkan sekarang.")
        recompute(actor=request.user)
        self.message_user(request, f"{len(rows)} pengumuman diterbitkan.")

    @admin.action(description="Akhiri penayangan sekarang", permissions=["change"])
    def end_publication(self, request, queryset):
        now = timezone.now()
        rows = self._changeable(request, queryset.filter(published_at__isnull=False))
        rows = [a for a in rows if a.published_until is None or a.published_until > now]
        for advisory in rows:
            if advisory.published_at > now:  # scheduled, never shown: back to a draft
                advisory.published_at, advisory.published_until = None, None
            else:
                advisory.published_until = now
            advisory.save(update_fields=["published_at", "published_until", "updated_at"])
            self.log_change(request, advisory, "Penayangan diakhiri.")
        recompute(actor=request.user)
        self.message_user(request, f"Penayangan {len(rows)} pengumuman diakhiri.")


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
            kwargs["queryset"] = request.user._meta.model.objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.secret = ApiToken.new_secret()  # kept on this instance only, for response_add
        obj.set_secret(obj.secret)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the secret once, on this page: a message would carry it in a cookie."""
        context = {**self.admin_site.each_context(request), "opts": self.opts, "token": obj}
        response = TemplateResponse(
            request, "admin/portal/apitoken/issued.html", {**context, "secret": obj.secret}
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset):
        for token in queryset:
            token.revoke()
