"""Admin for immigration services, systems, overrides, closures and the simulator.

Every staff write goes through ``services.overrides`` (the same functions the API calls),
inside the office scope of ``offices.admin.OfficeScopedAdmin``. Overrides and closures are
never edited or deleted: they are cleared or ended, so the history stays whole.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from offices.admin import OfficeAdmin, OfficeScopedAdmin, ScopedOfficeFilter, scoped_offices
from offices.models import Office, OfficeClosure

from . import overrides
from .choices import Cause, ForcedState, SystemState
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
from .snapshot import published, recompute

PRINTING = "printing"

# Icon and word for every state: colour is never the only signal.
STATE_BADGES = {
    "open": ("✓", "Buka"),
    "partial": ("◐", "Terbatas"),
    "closed": ("✕", "Tutup"),
    "unknown": ("?", "Belum pasti"),
    "up": ("✓", "Normal"),
    "degraded": ("◐", "Terganggu"),
    "down": ("✕", "Mati"),
}
STATE_TONES = {
    "open": "good",
    "up": "good",
    "partial": "warn",
    "degraded": "warn",
    "closed": "bad",
    "down": "bad",
}
CAUSE_WORDS = {
    Cause.SYSTEM: "sistem",
    Cause.DECLARATION: "pernyataan manual",
    Cause.OVERRIDE: "override staf",
    Cause.CLOSURE: "penutupan kantor",
    Cause.STALE: "data usang",
    Cause.SCHEDULE: "jadwal",
}


def badge(icon: str, word: str, tone: str) -> SafeString:
    """A coloured badge that also carries an icon and a word."""
    return format_html(
        '<span class="sli-badge sli-{}"><span aria-hidden="true">{}</span> {}</span>',
        tone,
        icon,
        word,
    )


def state_badge(state: str) -> SafeString:
    """The badge of a stage, service or system state ("—" for none)."""
    if not state:
        return badge("–", "—", "none")
    icon, word = STATE_BADGES.get(state, ("?", state))
    return badge(icon, word, STATE_TONES.get(state, "unknown"))


def datetime_field(**kwargs) -> forms.DateTimeField:
    """A date-time field with the browser's own picker (no admin JavaScript needed)."""
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(widget=widget, **kwargs)


def apply_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Put a write function's field errors on the form's fields (else on the whole form)."""
    aliases = aliases or {}
    for name, messages_ in error.message_dict.items():
        field = aliases.get(name, name)
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


# --- Confirmation pages for bulk actions ---------------------------------------------------


class ReasonForm(forms.Form):
    """Why staff act, and until when it holds."""

    reason = forms.CharField(
        label="Alasan", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_at = datetime_field(
        label="Berlaku sampai", required=False, help_text="Kosongkan: sampai dicabut."
    )


class DeclareForm(forms.Form):
    state = forms.ChoiceField(label="Status", choices=SystemState.choices)
    reason = forms.CharField(
        label="Alasan", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


def confirm_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    description: str,
    perform: Callable[[dict], str],
    form_class: type[forms.Form] | None = None,
) -> HttpResponse | None:
    """Show a confirmation page for a bulk action; on confirmation, ``perform`` it.

    ``perform`` gets the form's cleaned data and returns the message shown afterwards; a
    ``ValidationError`` it raises is shown on the form and nothing is saved.
    """
    confirmed = request.POST.get("confirm") == "yes"
    form = form_class(request.POST if confirmed else None) if form_class else None
    if confirmed and (form is None or form.is_valid()):
        try:
            modeladmin.message_user(request, perform(form.cleaned_data if form else {}))
            return None
        except ValidationError as error:
            if form is None:
                modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            apply_errors(form, error)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "description": description,
        "objects": list(queryset),
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)


# --- Reference data -------------------------------------------------------------------------


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


class ServiceStageInline(admin.TabularInline):
    model = ServiceStage
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_id", "mode", "season_start", "season_end"]
    search_fields = ["code", "name_id", "name_en"]
    filter_horizontal = ["offices"]
    inlines = [ServiceStageInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its status history would go with it

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user, cause=Cause.SCHEDULE)


# --- Overrides ------------------------------------------------------------------------------


class OverrideAddForm(forms.ModelForm):
    """One override at one or more offices; checked by the same rules as the API."""

    offices = forms.ModelMultipleChoiceField(
        label="Kantor",
        queryset=Office.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Satu override dibuat untuk setiap kantor yang dipilih.",
    )
    expires_at = datetime_field(
        label="Berlaku sampai", required=False, help_text="Kosongkan: sampai dicabut."
    )
    user = None  # set per request by OverrideAdmin.get_form

    class Meta:
        model = Override
        fields = ["stage", "service", "state", "reason", "expires_at"]
        labels = {"stage": "Tahap", "service": "Layanan", "state": "Dipaksa", "reason": "Alasan"}
        help_texts = {"stage": "Pilih tahap atau layanan, tidak keduanya."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = Office.objects.for_user(self.user)
        self.fields["reason"].required = True

    def clean(self) -> dict:
        data = super().clean()
        offices = data.get("offices")
        if offices and not self.errors:
            try:
                overrides.validate_overrides(
                    offices,
                    stage=data.get("stage"),
                    service=data.get("service"),
                    state=data.get("state", ""),
                    reason=data.get("reason", ""),
                    expires_at=data.get("expires_at"),
                    now=timezone.now(),
                )
            except ValidationError as error:
                apply_errors(self, error, {"office": "offices"})
        return data


class OverrideStatusFilter(admin.SimpleListFilter):
    title = "berlaku"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", "Berlaku"), ("expired", "Kedaluwarsa"), ("cleared", "Dicabut")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.active(now)
        # The expiry task marks expired overrides cleared at (or after) their expiry.
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now).filter(
                Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("expires_at"))
            )
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False).filter(
                Q(expires_at__isnull=True) | Q(cleared_at__lt=F("expires_at"))
            )
        return queryset


@admin.register(Override)
class OverrideAdmin(OfficeScopedAdmin):
    list_display = [
        "office",
        "target",
        "forced",
        "reason",
        "actor",
        "created_at",
        "expires_at",
        "status",
    ]
    list_filter = [ScopedOfficeFilter, OverrideStatusFilter, "state", "stage", "service"]
    list_select_related = ["office", "stage", "service", "actor", "cleared_by"]
    search_fields = ["reason", "office__code", "office__name", "stage__code", "service__code"]
    search_help_text = "Cari alasan, kantor, tahap atau layanan."
    date_hierarchy = "created_at"
    actions = ["clear_selected"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = ["offices", "stage", "service", "state", "reason", "expires_at"]
            return [(None, {"fields": fields})]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = type("OverrideAddForm", (OverrideAddForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        if isinstance(initial.get("offices"), str):
            initial["offices"] = initial["offices"].split(",")
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in Override._meta.fields if f.name != "id"]

    def has_change_permission(self, request, obj=None) -> bool:
        # An override is never edited: it is cleared, and a new one made.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history is kept: clear an override instead of deleting it

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = overrides.create_overrides(
            data["offices"],
            stage=data.get("stage"),
            service=data.get("service"),
            state=data["state"],
            reason=data["reason"],
            expires_at=data.get("expires_at"),
            actor=request.user,
        )
        # The admin redirects to, and logs, the object it was given: make it the first.
        adopt(obj, created[0])
        request._created_overrides = created

    def log_addition(self, request, obj, message):
        for override in getattr(request, "_created_overrides", [obj]):
            super().log_addition(request, override, override_message("Dibuat", override))

    @admin.display(description="tahap / layanan")
    def target(self, obj: Override) -> str:
        return f"tahap {obj.stage.name_id}" if obj.stage_id else f"layanan {obj.service.name_id}"

    @admin.display(description="dipaksa", ordering="state")
    def forced(self, obj: Override) -> SafeString:
        return state_badge(obj.state)

    @admin.display(description="status")
    def status(self, obj: Override) -> SafeString:
        ended = obj.cleared_at or timezone.now()
        if obj.expires_at is not None and obj.expires_at <= ended:
            return badge("■", "Kedaluwarsa", "none")
        if obj.cleared_at is not None:
            by = f" oleh {obj.cleared_by}" if obj.cleared_by_id else ""
            return badge("■", f"Dicabut{by}", "none")
        return badge("●", "Berlaku", "live")

    @admin.action(description="Cabut override terpilih", permissions=["change"])
    def clear_selected(self, request, queryset):
        queryset = queryset.select_related("office", "stage", "service")

        def perform(data: dict) -> str:
            active = list(queryset.active(timezone.now()))
            count = overrides.clear_overrides(active, actor=request.user)
            for override in active:
                self.log_change(request, override, override_message("Dicabut", override))
            return f"{count} override dicabut."

        return confirm_action(
            self,
            request,
            queryset,
            title="Cabut override",
            description="Override berikut berhenti berlaku sekarang (tetap tercatat di riwayat).",
            perform=perform,
        )


def adopt(obj: Override | OfficeClosure, saved: Override | OfficeClosure) -> None:
    """Make the admin's unsaved form object stand for a row a write function saved."""
    obj.pk, obj.office, obj.actor = saved.pk, saved.office, saved.actor
    obj.created_at = saved.created_at
    obj._state.adding = False


def override_message(verb: str, override: Override) -> str:
    """A log line that says what and why."""
    if override.stage_id:
        target = f"tahap {override.stage.code}"
    else:
        target = f"layanan {override.service.code}"
    until = ""
    if override.expires_at:
        until = f", sampai {timezone.localtime(override.expires_at):%Y-%m-%d %H:%M}"
    office = override.office.code
    return f'{verb}: {target} {override.state} di {office}{until}. Alasan: "{override.reason}"'


# --- Office closures ------------------------------------------------------------------------


class OfficeClosureAddForm(forms.ModelForm):
    """A closure window for one or more offices."""

    offices = forms.ModelMultipleChoiceField(
        label="Kantor", queryset=Office.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    starts_at = datetime_field(label="Mulai")
    ends_at = datetime_field(
        label="Selesai", required=False, help_text="Kosongkan: sampai diakhiri."
    )
    user = None

    class Meta:
        model = OfficeClosure
        fields = ["reason", "starts_at", "ends_at"]
        labels = {"reason": "Alasan"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = Office.objects.for_user(self.user)
        self.fields["starts_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                overrides.validate_closure(
                    reason=data.get("reason", ""),
                    starts_at=data.get("starts_at"),
                    ends_at=data.get("ends_at"),
                    now=timezone.now(),
                )
            except ValidationError as error:
                apply_errors(self, error)
        return data


@admin.register(OfficeClosure)
class OfficeClosureAdmin(OfficeScopedAdmin):
    list_display = ["office", "reason", "starts_at", "ends_at", "actor", "status"]
    list_filter = [ScopedOfficeFilter]
    list_select_related = ["office", "actor", "cleared_by"]
    search_fields = ["reason", "office__code", "office__name"]
    date_hierarchy = "starts_at"
    actions = ["end_selected"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["offices", "reason", "starts_at", "ends_at"]})]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = type(
            "OfficeClosureAddForm", (OfficeClosureAddForm,), {"user": request.user}
        )
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in OfficeClosure._meta.fields if f.name != "id"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = overrides.close_offices(
            data["offices"],
            reason=data["reason"],
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            actor=request.user,
        )
        adopt(obj, created[0])
        request._created_closures = created

    def log_addition(self, request, obj, message):
        for closure in getattr(request, "_created_closures", [obj]):
            super().log_addition(request, closure, closure_message("Dibuat", closure))

    @admin.display(description="status")
    def status(self, obj: OfficeClosure) -> SafeString:
        now = timezone.now()
        if obj.cleared_at is not None:
            return badge("■", "Diakhiri", "none")
        if obj.starts_at > now:
            return badge("◷", "Terjadwal", "warn")
        if obj.ends_at is not None and obj.ends_at <= now:
            return badge("■", "Selesai", "none")
        return badge("●", "Berlaku", "live")

    @admin.action(description="Akhiri penutupan terpilih sekarang", permissions=["change"])
    def end_selected(self, request, queryset):
        queryset = queryset.select_related("office")

        def perform(data: dict) -> str:
            rows = list(queryset.relevant(timezone.now()))
            count = overrides.end_closures(rows, actor=request.user)
            for closure in rows:
                self.log_change(request, closure, closure_message("Diakhiri", closure))
            return f"{count} penutupan diakhiri."

        return confirm_action(
            self,
            request,
            queryset,
            title="Akhiri penutupan",
            description="Penutupan berikut berakhir sekarang (tetap tercatat di riwayat).",
            perform=perform,
        )


def closure_message(verb: str, closure: OfficeClosure) -> str:
    window = f"{timezone.localtime(closure.starts_at):%Y-%m-%d %H:%M}"
    if closure.ends_at:
        window += f" – {timezone.localtime(closure.ends_at):%Y-%m-%d %H:%M}"
    return f'{verb}: penutupan {closure.office.code} {window}. Alasan: "{closure.reason}"'


# --- Offices: bulk actions ------------------------------------------------------------------


admin.site.unregister(Office)


@admin.register(Office)
class OfficeControlAdmin(OfficeAdmin):
    """Offices, with what staff do to several at once."""

    list_display = ["code", "name", "office_class", "tpi", "region", "stages_now"]
    actions = ["close_printing", "clear_all_overrides"]

    @admin.display(description="tahap sekarang")
    def stages_now(self, obj: Office) -> SafeString:
        office = next((o for o in published().snapshot.offices if o.code == obj.code), None)
        if office is None:
            return state_badge("")
        return format_html_join(
            " ",
            "<span title='{}'>{}</span>",
            ((s.code, state_badge(s.state)) for s in office.stages),
        )

    def has_override_permission(self, request) -> bool:
        return request.user.has_perm("services.add_override")

    def has_clear_override_permission(self, request) -> bool:
        return request.user.has_perm("services.change_override")

    @admin.action(description="tutup pencetakan di kantor terpilih", permissions=["override"])
    def close_printing(self, request, queryset):
        stage = Stage.objects.get(code=PRINTING)

        def perform(data: dict) -> str:
            created = overrides.create_overrides(
                queryset,
                stage=stage,
                state=ForcedState.CLOSED,
                reason=data["reason"],
                expires_at=data["expires_at"],
                actor=request.user,
            )
            for override in created:
                self.log_addition(request, override, override_message("Dibuat", override))
            return f"Pencetakan ditutup di {len(created)} kantor."

        return confirm_action(
            self,
            request,
            queryset,
            title="Tutup pencetakan",
            description="Tahap pencetakan ditutup di kantor berikut, apa pun status sistemnya.",
            perform=perform,
            form_class=ReasonForm,
        )

    @admin.action(description="cabut semua override kantor ini", permissions=["clear_override"])
    def clear_all_overrides(self, request, queryset):
        def perform(data: dict) -> str:
            active = list(
                Override.objects.active(timezone.now())
                .filter(office__in=queryset)
                .select_related("office", "stage", "service")
            )
            count = overrides.clear_overrides(active, actor=request.user)
            for override in active:
                self.log_change(request, override, override_message("Dicabut", override))
            return f"{count} override dicabut."

        return confirm_action(
            self,
            request,
            queryset,
            title="Cabut semua override",
            description="Semua override yang berlaku di kantor berikut berhenti sekarang; "
            "status kembali mengikuti sistem (riwayat tetap tersimpan).",
            perform=perform,
        )


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
class StatusEventAdmin(admin.ModelAdmin):
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
class HealthObservationAdmin(admin.ModelAdmin):
    list_display = ["at", "system", "state", "error", "latency_ms", "detail"]
    list_filter = ["system", "error"]
    list_select_related = ["system"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
