"""The office list, with what staff do to several offices at once."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from offices.admin import OfficeAdmin
from offices.models import Office

from .. import overrides
from ..choices import ForcedState
from ..models import Stage
from ..snapshot import published
from .decisions import CLEARED, CREATED, override_message
from .display import ReasonForm, confirm_action, state_badge
from .names import in_language

PRINTING = "printing"

admin.site.unregister(Office)


@admin.register(Office)
class OfficeControlAdmin(OfficeAdmin):
    """Offices, with what staff do to several at once."""

    list_display = ["code", "name", "office_class", "tpi", "region", "stages_now"]
    actions = ["close_printing", "clear_all_overrides"]

    @admin.display(description=gettext_lazy("stages now"))
    def stages_now(self, obj: Office) -> SafeString:
        bundle = published()
        office = next((o for o in bundle.snapshot.offices if o.code == obj.code), None)
        if office is None:
            return state_badge("")
        return format_html_join(
            " ",
            "<span class='sli-stage-now'>{}: {}</span>",
            (
                (in_language(bundle.stage_names[s.code]), state_badge(s.state))
                for s in office.stages
            ),
        )

    def has_override_permission(self, request) -> bool:
        return request.user.has_perm("services.add_override")

    def has_clear_override_permission(self, request) -> bool:
        return request.user.has_perm("services.change_override")

    @admin.action(
        description=gettext_lazy("Close printing at the selected offices"),
        permissions=["override"],
    )
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
                self.log_addition(request, override, override_message(CREATED, override))
            return ngettext(
                "Printing closed at %(count)d office.",
                "Printing closed at %(count)d offices.",
                len(created),
            ) % {"count": len(created)}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("Close printing"),
            description=_("Printing closes at these offices, whatever the state of the systems."),
            perform=perform,
            form_class=ReasonForm,
        )

    @admin.action(
        description=gettext_lazy("Clear every override of the selected offices"),
        permissions=["clear_override"],
    )
    def clear_all_overrides(self, request, queryset):
        def perform(data: dict) -> str:
            cleared = overrides.clear_office_overrides(queryset, actor=request.user)
            for override in cleared:
                self.log_change(request, override, override_message(CLEARED, override))
            return ngettext(
                "%(count)d override cleared.", "%(count)d overrides cleared.", len(cleared)
            ) % {"count": len(cleared)}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("Clear every override"),
            description=_(
                "Every override in force at these offices stops now; the state follows the "
                "systems again (the history is kept)."
            ),
            perform=perform,
        )
