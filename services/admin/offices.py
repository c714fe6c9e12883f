"""The office list, with what staff do to several offices at once."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from offices.admin import OfficeAdmin
from offices.models import Office

from .. import overrides
from ..choices import ForcedState
from ..models import Stage
from ..snapshot import published
from .decisions import override_message
from .display import ReasonForm, confirm_action, state_badge

PRINTING = "printing"

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
            cleared = overrides.clear_office_overrides(queryset, actor=request.user)
            for override in cleared:
                self.log_change(request, override, override_message("Dicabut", override))
            return f"{len(cleared)} override dicabut."

        return confirm_action(
            self,
            request,
            queryset,
            title="Cabut semua override",
            description="Semua override yang berlaku di kantor berikut berhenti sekarang; "
            "status kembali mengikuti sistem (riwayat tetap tersimpan).",
            perform=perform,
        )
