"""How staff read states (icon, word, colour: the states tables) and confirm bulk actions."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .. import states
from ..choices import SystemState

CAUSE_WORDS = {cause.value: cause.label_id for cause in states.Cause if cause}


def badge(icon: str, word: str, tone: str) -> SafeString:
    """A coloured badge that also carries an icon and a word."""
    return format_html(
        '<span class="sli-badge sli-{}"><span aria-hidden="true">{}</span> {}</span>',
        tone,
        icon,
        word,
    )


def state_badge(
    value: str, tables: tuple[type[states.State], ...] = (states.VisitorState, states.SystemState)
) -> SafeString:
    """The badge of a state from the first of ``tables`` that has it ("—" for none)."""
    if not value:
        return badge("–", "—", states.Tone.NONE)
    shown = next((state for table in tables if (state := table.lookup(value))), None)
    if shown is None:
        return badge("?", value, states.Tone.MUTED)
    return look_badge(shown)


def look_badge(state: states.State, suffix: str = "") -> SafeString:
    """The badge of a state: its table's icon, label (with ``suffix``) and tone."""
    return badge(state.icon.glyph, state.label_id + suffix, state.tone)


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


# A date-hierarchy link names a year whose bounds must stay within what datetime and the
# database take in every time zone (year 1 in WIB is year 0 in UTC; 9999 ends in 10000).
HIERARCHY_YEARS = range(1900, 2200)


class BoundedDateChangeList(ChangeList):
    """The change list, refusing a date-hierarchy year out of range (Django's "?e=1")."""

    def get_filters_params(self, params=None) -> dict:
        lookup = super().get_filters_params(params)
        years = lookup.get(f"{self.date_hierarchy}__year", []) if self.date_hierarchy else []
        if not all(y.isascii() and y.isdigit() and int(y) in HIERARCHY_YEARS for y in years):
            raise IncorrectLookupParameters(f"year out of range {HIERARCHY_YEARS}")
        return lookup


class BoundedDateHierarchy:
    """For admins with a ``date_hierarchy``: a crafted year is refused, not a 500."""

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return BoundedDateChangeList
