"""The sign-up form of /langganan/."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from offices.models import Office
from portal.status import localized
from services.models import Service


class SubscribeForm(forms.Form):
    """An address and an office, optionally narrowed to some of its services."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    office = forms.ChoiceField(label=_("Office"))
    services = forms.MultipleChoiceField(
        label=_("Only these services (none: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [(o.code, o.name) for o in Office.objects.all()]
        self.fields["services"].choices = [
            (s.code, localized((s.name_id, s.name_en))) for s in Service.objects.all()
        ]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        data = super().clean()
        office = Office.objects.filter(code=data.get("office")).first()
        if office is None:
            return data
        data["office"] = office
        offered = {s.code: s for s in office.services.all()}
        chosen = data.get("services") or []
        missing = [code for code in chosen if code not in offered]
        if missing:
            self.add_error("services", _("This office does not offer: %s") % ", ".join(missing))
        data["services"] = [offered[c] for c in chosen if c in offered]
        return data
