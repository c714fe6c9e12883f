"""Serializers of the v1 API: the documents it returns (for OpenAPI) and the bodies it takes.

Read documents are built from the published snapshot as plain dicts (see portal/status.py);
the serializers here describe them. Write bodies are validated here, and the business rules
(office scope, what may be overridden) are left to services/overrides.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from offices.models import Office, OfficeClosure
from services.choices import (
    Cause,
    ForcedState,
    ServiceState,
    StageState,
    StateSource,
    SystemState,
)
from services.models import HealthObservation, Override, Service, Stage, UpstreamSystem

from ..choices import AdvisoryPhase, AdvisorySeverity
from .errors import Unprocessable
from .params import CODE

# --- Read documents (documentation only) ----------------------------------------------------


class SnapshotSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField(help_text="When the snapshot was computed.")
    stale = serializers.BooleanField(help_text="True when some system has no recent data.")


class NamedSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StageStatusSerializer(NamedSerializer):
    state = serializers.ChoiceField(StageState.choices)
    reason = serializers.CharField(help_text='Why it is not open ("" when open).')
    since = serializers.DateTimeField(allow_null=True)


class ServiceStatusSerializer(NamedSerializer):
    state = serializers.ChoiceField(ServiceState.choices)
    available_stages = serializers.ListField(child=serializers.CharField())
    waiting_stages = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class StatusOfficeSerializer(NamedSerializer):
    office_class = serializers.CharField()
    tpi = serializers.BooleanField(help_text="Runs an immigration checkpoint.")
    stages = StageStatusSerializer(many=True)
    services = ServiceStatusSerializer(many=True)


SPAN = {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}


@extend_schema_field(
    {
        "type": "array",
        "anyOf": [SPAN, {"type": "array", "items": SPAN}],
        "nullable": True,
        "description": 'Local opening and closing time, ["08:00", "16:00"], or a list of such '
        "pairs; null, [] or absent: closed.",
    }
)
class DayHoursField(serializers.JSONField):
    pass


def _hours(day: str) -> serializers.Field:
    return DayHoursField(required=False, help_text=day)


class OpeningHoursSerializer(serializers.Serializer):
    mon, tue, wed = _hours("Monday"), _hours("Tuesday"), _hours("Wednesday")
    thu, fri = _hours("Thursday"), _hours("Friday")
    sat, sun = _hours("Saturday"), _hours("Sunday")


class OfficeSerializer(StatusOfficeSerializer):
    region = serializers.CharField()
    address = serializers.CharField()
    timezone = serializers.CharField()
    opening_hours = OpeningHoursSerializer()


@extend_schema_serializer(many=False)  # an object, not a list of them
class OfficeListSerializer(SnapshotSerializer):
    offices = OfficeSerializer(many=True)


class OfficeDetailSerializer(SnapshotSerializer):
    office = OfficeSerializer()


class StatusSystemSerializer(NamedSerializer):
    state = serializers.ChoiceField(SystemState.choices)
    source = serializers.ChoiceField(StateSource.choices)
    checked_at = serializers.DateTimeField(allow_null=True)
    changed_at = serializers.DateTimeField(allow_null=True)


class SystemSerializer(StatusSystemSerializer):
    stale = serializers.BooleanField()


@extend_schema_serializer(many=False)  # an object, not a list of them
class SystemListSerializer(SnapshotSerializer):
    systems = SystemSerializer(many=True)


class SystemDetailSerializer(SnapshotSerializer):
    system = SystemSerializer()


class ObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthObservation
        fields = ["state", "error", "detail", "latency_ms", "at"]


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    office = serializers.CharField(allow_null=True)
    stage = serializers.CharField(allow_null=True)
    service = serializers.CharField(allow_null=True)
    system = serializers.CharField(allow_null=True)
    old_state = serializers.CharField(help_text='"" when it was not listed before.')
    new_state = serializers.CharField(help_text='"" when it is no longer listed.')
    cause = serializers.ChoiceField([c for c in Cause.choices if c[0]])
    reason = serializers.CharField()


class AdvisoryUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phase = serializers.ChoiceField(AdvisoryPhase.choices)
    body = serializers.CharField()
    at = serializers.DateTimeField()


class AdvisorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    severity = serializers.ChoiceField(AdvisorySeverity.choices)
    phase = serializers.ChoiceField(AdvisoryPhase.choices)
    active = serializers.BooleanField(help_text="Published now and not resolved.")
    offices = serializers.ListField(child=serializers.CharField())
    systems = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField()
    published_until = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    updates = AdvisoryUpdateSerializer(many=True, help_text="Newest first.")


@extend_schema_serializer(many=False)  # an object, not a list of them
class AdvisoryListSerializer(serializers.Serializer):
    advisories = AdvisorySerializer(many=True)


class StatusAdvisorySerializer(AdvisorySerializer):
    active = published_until = updates = None  # the status document leaves these out


class StatusDocumentSerializer(SnapshotSerializer):
    """The whole picture: systems, every office's stages and services, advisories in force."""

    systems = StatusSystemSerializer(many=True)
    offices = StatusOfficeSerializer(many=True)
    advisories = StatusAdvisorySerializer(many=True)


def cursor_page(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A serializer documenting one cursor-paginated page of ``item``."""
    fields = {
        "next": serializers.URLField(allow_null=True, help_text="The next (older) page."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page."),
        "results": item(many=True),
    }
    return extend_schema_serializer(many=False)(type(name, (serializers.Serializer,), fields))


EventPageSerializer = cursor_page("EventPage", EventSerializer)
ObservationPageSerializer = cursor_page("ObservationPage", ObservationSerializer)


# --- Writes ---------------------------------------------------------------------------------


# Codes are lower-case words joined by hyphens; a well-formed code that names nothing is 422.
CODE_SCHEMA = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 50}


@extend_schema_field(CODE_SCHEMA)
class CodeField(serializers.SlugRelatedField):
    """A row named by its code: a malformed code is a 400, an unknown one a 422."""

    def __init__(self, model, **kwargs):
        super().__init__(slug_field="code", queryset=model.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not CODE.fullmatch(data):
            raise serializers.ValidationError(_("Give a code, e.g. palembang."))
        found = self.get_queryset().filter(code=data).first()
        if found is None:
            raise Unprocessable(
                self.field_name,
                _("Unknown %(field)s %(code)s.") % {"field": self.field_name, "code": repr(data)},
            )
        return found


def username(help_text: str) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=help_text
    )


# WIB as a fixed offset: Asia/Jakarta's offsets before 1964 (+07:07:12 LMT, +07:30) are no
# RFC 3339 offsets, and a write may name any moment.
WIB = dt.timezone(dt.timedelta(hours=7))


class WIBDateTimeField(serializers.DateTimeField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", WIB)
        super().__init__(*args, **kwargs)


class TextField(serializers.CharField):
    """Text only: a number or a boolean is not taken for its string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictWriteMixin:
    """Moments in WIB; a body field the serializer does not take is refused, naming it (a
    misspelled field would otherwise be dropped without a word)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: WIBDateTimeField,
    }

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = sorted(n for n, f in self.fields.items() if not f.read_only)
            for name in data:
                if name not in writable:
                    raise serializers.ValidationError(
                        {
                            name: _("Unknown field; the fields are: %(fields)s.")
                            % {"fields": ", ".join(writable)}
                        }
                    )
        return super().to_internal_value(data)


# Who made an override or closure and when, and who ended it and when: all read-only.
CHANGE = ["actor", "created_at", "cleared_at", "cleared_by"]


class OverrideSerializer(StrictWriteMixin, serializers.ModelSerializer):
    """An override: a stage or service forced open or closed at an office."""

    office = CodeField(Office)
    stage = CodeField(Stage, required=False, help_text="A stage, or…")
    service = CodeField(Service, required=False, help_text="…a service (exactly one).")
    state = serializers.ChoiceField(ForcedState.choices)
    reason = TextField(max_length=500)
    actor = username("The staff account that made it.")
    cleared_by = username("The staff account that cleared it; null while in force.")

    class Meta:
        model = Override
        fields = ["id", "office", "stage", "service", "state", "reason", "expires_at", *CHANGE]
        read_only_fields = ["created_at", "cleared_at"]
        extra_kwargs = {"expires_at": {"required": False, "allow_null": True}}

    def validate(self, attrs: dict) -> dict:
        if ("stage" in attrs) == ("service" in attrs):
            raise serializers.ValidationError({"stage": _("Give either a stage or a service.")})
        return attrs


class ClosureSerializer(StrictWriteMixin, serializers.ModelSerializer):
    """An office closed as a whole for a window."""

    office = CodeField(Office)
    reason = TextField(max_length=500)
    starts_at = WIBDateTimeField(default=timezone.now, help_text="Default: now.")
    ends_at = WIBDateTimeField(required=False, allow_null=True, help_text="Open-ended.")
    actor = username("The staff account that made it.")
    cleared_by = username("The staff account that ended it; null until then.")

    class Meta:
        model = OfficeClosure
        fields = ["id", "office", "reason", "starts_at", "ends_at", *CHANGE]
        read_only_fields = ["created_at", "cleared_at"]


class DeclarationSerializer(StrictWriteMixin, serializers.Serializer):
    """A system's state declared by hand; it wins over the poller until cleared."""

    state = serializers.ChoiceField(SystemState.choices)
    reason = TextField(max_length=500)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A state that may be absent: null rather than ""."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class DeclaredSystemSerializer(serializers.ModelSerializer):
    """A system with its declaration (none: the manual fields are null)."""

    source = serializers.ChoiceField(StateSource.choices, read_only=True)
    state = serializers.ChoiceField(SystemState.choices, read_only=True, help_text="In effect.")
    manual_state = BlankAsNullChoiceField(SystemState.choices, help_text="Declared by hand.")
    manual_reason = serializers.CharField(read_only=True, help_text='"" when none.')
    manual_actor = username("The staff account that declared it; null when none.")
    manual_at = WIBDateTimeField(read_only=True, allow_null=True)
    observed_state = BlankAsNullChoiceField(SystemState.choices, help_text="Last poll's.")
    checked_at = WIBDateTimeField(
        read_only=True, allow_null=True, help_text="Last conclusive poll."
    )

    class Meta:
        model = UpstreamSystem
        fields = [
            "code",
            "name",
            "state",
            "source",
            "manual_state",
            "manual_reason",
            "manual_actor",
            "manual_at",
            "observed_state",
            "checked_at",
        ]
        read_only_fields = fields
