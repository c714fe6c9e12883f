"""What the admin calls each model, field and app, in the staff's language.

The models keep the names their migrations record (the English field names); the admin
gives each a translatable word here, so a page in Indonesian says "Alasan" and one in
English says "Reason". Only the display names change: a migration compares the names
given in the models' own code (``Options.original_attrs``, ``Field._verbose_name``), which
stay as they are. Stage and service names come from their own bilingual columns, the
table the public pages read.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# model: (singular, plural, {field: name})
Names = Mapping[type[models.Model], tuple[Promise, Promise, Mapping[str, Promise]]]


def name_models(table: Names) -> None:
    """Give the models and fields of ``table`` their names in the active language."""
    for model, (singular, plural, fields) in table.items():
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
        for name, word in fields.items():
            model._meta.get_field(name).verbose_name = word


def name_apps(table: Mapping[str, Promise]) -> None:
    """Give the apps of ``table`` their names in the active language."""
    for label, word in table.items():
        apps.get_app_config(label).verbose_name = word


def indonesian() -> bool:
    """Whether the active language is Indonesian (the site's default)."""
    return (get_language() or "id").startswith("id")


def in_language(names: tuple[str, str]) -> str:
    """Of an (Indonesian, English) pair of names, the one in the active language."""
    return names[0] if indonesian() or not names[1] else names[1]


def localized_name(obj: models.Model) -> str:
    """A stage's or service's name in the active language (``name_id`` / ``name_en``)."""
    return in_language((obj.name_id, obj.name_en))  # type: ignore[attr-defined]


class LocalizedChoiceField(forms.ModelChoiceField):
    """A choice of stage or service, named in the active language."""

    def label_from_instance(self, obj: models.Model) -> str:
        return localized_name(obj)


class LocalizedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several stages or services, named in the active language."""

    def label_from_instance(self, obj: models.Model) -> str:
        return localized_name(obj)


class LocalizedRelatedFilter(admin.RelatedFieldListFilter):
    """Filter by stage or service, each named in the active language."""

    def field_choices(self, field, request, model_admin):
        return [(obj.pk, localized_name(obj)) for obj in field.related_model.objects.all()]


class LocalizedNamesMixin:
    """For model admins and inlines: stages and services offered by their names in the
    active language."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model._meta.label in ("services.Stage", "services.Service"):
            kwargs.setdefault("form_class", LocalizedChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model._meta.label in ("services.Stage", "services.Service"):
            kwargs.setdefault("form_class", LocalizedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


STAGE_AND_SERVICE_FILTERS = [("stage", LocalizedRelatedFilter), ("service", LocalizedRelatedFilter)]


def _domain_names() -> Names:
    from offices.models import (
        Office,
        OfficeClosure,
        OfficeMembership,
        Region,
        RegionMembership,
        ServiceGuidance,
    )

    from ..models import (
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

    common = {"code": _("code"), "name": _("name"), "position": _("position")}
    return {
        Region: (_("region"), _("regions"), {"code": _("code"), "name": _("name")}),
        Office: (
            _("office"),
            _("offices"),
            {
                **common,
                "office_class": _("office class"),
                "tpi": _("checkpoint (TPI)"),
                "region": _("region"),
                "address": _("address"),
                "timezone": _("time zone"),
                "opening_hours": _("opening hours"),
                "phone": _("phone"),
                "whatsapp": _("WhatsApp"),
                "email": _("e-mail"),
                "map_url": _("map link"),
            },
        ),
        ServiceGuidance: (
            _("service guidance"),
            _("service guidance"),
            {
                "service_code": _("service code"),
                "state": _("state"),
                "text_id": _("text (Indonesian)"),
                "text_en": _("text (English)"),
                "updated_at": _("updated at"),
            },
        ),
        OfficeMembership: (
            _("office membership"),
            _("office memberships"),
            {"user": _("account"), "office": _("office")},
        ),
        RegionMembership: (
            _("region membership"),
            _("region memberships"),
            {"user": _("account"), "region": _("region")},
        ),
        OfficeClosure: (
            _("office closure"),
            _("office closures"),
            {
                "office": _("office"),
                "reason": _("reason"),
                "starts_at": _("starts at"),
                "ends_at": _("ends at"),
                "actor": _("by"),
                "created_at": _("created at"),
                "cleared_at": _("ended at"),
                "cleared_by": _("ended by"),
            },
        ),
        UpstreamSystem: (
            _("upstream system"),
            _("upstream systems"),
            {
                **common,
                "health_field": _("health field"),
                "observed_state": _("observed state"),
                "observed_error": _("observed error"),
                "checked_at": _("checked at"),
                "consecutive_failures": _("failures in a row"),
                "consecutive_successes": _("successes in a row"),
                "manual_state": _("declared state"),
                "manual_reason": _("declaration reason"),
                "manual_actor": _("declared by"),
                "manual_at": _("declared at"),
                "state": _("state"),
                "changed_at": _("changed at"),
            },
        ),
        Stage: (
            _("stage"),
            _("stages"),
            {
                "code": _("code"),
                "name_id": _("name (Indonesian)"),
                "name_en": _("name (English)"),
                "order": _("order"),
                "tpi_only": _("checkpoint offices only"),
                "systems": _("systems"),
            },
        ),
        StageRequirement: (
            _("stage requirement"),
            _("stage requirements"),
            {"stage": _("stage"), "system": _("system"), "minimum_state": _("minimum state")},
        ),
        Service: (
            _("service"),
            _("services"),
            {
                "code": _("code"),
                "position": _("position"),
                "name_id": _("name (Indonesian)"),
                "name_en": _("name (English)"),
                "mode": _("mode"),
                "stages": _("stages"),
                "offices": _("offices"),
                "season_start": _("season start"),
                "season_end": _("season end"),
            },
        ),
        ServiceStage: (
            _("service stage"),
            _("service stages"),
            {"service": _("service"), "stage": _("stage"), "order": _("order")},
        ),
        Override: (
            _("override"),
            _("overrides"),
            {
                "office": _("office"),
                "stage": _("stage"),
                "service": _("service"),
                "state": _("open or closed"),
                "reason": _("reason"),
                "actor": _("by"),
                "created_at": _("created at"),
                "expires_at": _("until"),
                "cleared_at": _("cleared at"),
                "cleared_by": _("cleared by"),
            },
        ),
        StatusEvent: (
            _("status change"),
            _("status changes"),
            {
                "office": _("office"),
                "stage": _("stage"),
                "service": _("service"),
                "system": _("system"),
                "old_state": _("old state"),
                "new_state": _("new state"),
                "cause": _("cause"),
                "reason": _("reason"),
                "actor": _("by"),
                "at": _("at"),
            },
        ),
        HealthObservation: (
            _("health check"),
            _("health checks"),
            {
                "system": _("system"),
                "state": _("state"),
                "error": _("error"),
                "detail": _("detail"),
                "latency_ms": _("latency (ms)"),
                "at": _("at"),
            },
        ),
        SimulatedPdn: (
            _("simulated PDN"),
            _("simulated PDN"),
            {
                "status": _("PDN state"),
                "cekal": _("cekal state"),
                "fault": _("fault"),
                "updated_at": _("updated at"),
            },
        ),
    }


def name_domain() -> None:
    """Name the offices' and services' models, fields and apps for the admin."""
    name_models(_domain_names())
    name_apps({"offices": _("Offices"), "services": _("Immigration services")})
