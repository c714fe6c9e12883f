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
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .. import states
from ..choices import SystemState
from .names import localized_name


def cause_words() -> dict[str, str]:
    """Each cause in the staff's words, in the active language."""
    return {cause.value: cause.label(get_language()) for cause in states.Cause if cause}


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
    return badge(state.icon.glyph, state.label(get_language()) + suffix, state.tone)


def datetime_field(**kwargs) -> forms.DateTimeField:
    """A date-time field with the browser's own picker (no admin JavaScript needed)."""
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(widget=widget, **kwargs)


def error_sentence(error: ValidationError) -> str:
    """A write function's error as a sentence saying what to do, in the active language."""
    params = dict(error.params or {})
    if "target" in params:
        params["name"] = localized_name(params["target"])
    sentences = {
        "target": _("Choose the stage or the service to set (one of them, not both)."),
        "state": _("Choose whether it is open or closed."),
        "reason": _("Write the reason the public will read."),
        "expiry_past": _("Choose an end time in the future, or leave it empty."),
        "not_offered": _(
            "%(office)s does not offer %(name)s: choose a service this office offers."
        ),
        "no_checkpoint": _(
            "%(office)s has no checkpoint, so it has no stage %(name)s: choose another stage."
        ),
        "no_office": _("Choose at least one office."),
        "no_start": _("Choose when the closure starts."),
        "ends_before_start": _("Choose an end after the start, or leave it empty."),
        "ends_past": _("Choose an end time in the future, or leave it empty."),
    }
    sentence = sentences.get(error.code or "")
    return sentence % params if sentence else " ".join(error.messages)


def apply_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Put a write function's field errors on the form's fields (else on the whole form)."""
    aliases = aliases or {}
    found = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
    for name, errors in found.items():
        field = aliases.get(name, name)
        if field in form.fields and form.has_error(field):
            continue  # the field's own check already says what is missing
        for each in errors:
            form.add_error(field if field in form.fields else None, error_sentence(each))


# --- Confirmation pages for bulk actions ---------------------------------------------------


class ReasonForm(forms.Form):
    """Why staff act, and until when it holds."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to the public as the reason."),
    )
    expires_at = datetime_field(
        label=gettext_lazy("Until"),
        required=False,
        help_text=gettext_lazy("Leave empty: until someone clears it."),
    )


class DeclareForm(forms.Form):
    """A system's state as regional staff declare it, and why."""

    state = forms.ChoiceField(
        label=gettext_lazy("State"), choices=SystemState.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
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
