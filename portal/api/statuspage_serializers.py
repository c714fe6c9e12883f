"""The shapes of the Statuspage v2 documents, for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers

from ..choices import AdvisoryPhase
from .serializers import NamedSerializer
from .statuspage_components import COMPONENT_STATUSES, INDICATORS
from .statuspage_incidents import MAINTENANCE_STATUSES


class PageSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    time_zone = serializers.CharField()
    updated_at = serializers.DateTimeField()


class IndicatorSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(INDICATORS)
    description = serializers.CharField(help_text="In the request's language.")


class ComponentSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Office code for a group, `<office>.<stage>` otherwise.")
    name = serializers.CharField(help_text="Unique: a stage's name says its office.")
    status = serializers.ChoiceField(COMPONENT_STATUSES)
    created_at = serializers.DateTimeField(help_text="When first listed; never changes.")
    updated_at = serializers.DateTimeField(help_text="When its status last changed.")
    position = serializers.IntegerField()
    description = serializers.CharField(allow_null=True)
    showcase = serializers.BooleanField()
    start_date = serializers.DateField(allow_null=True)
    group_id = serializers.CharField(allow_null=True)
    page_id = serializers.CharField()
    group = serializers.BooleanField()
    only_show_if_degraded = serializers.BooleanField()
    components = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Groups only: their components."
    )


class AffectedComponentSerializer(NamedSerializer):
    old_status = serializers.CharField()
    new_status = serializers.CharField()


class IncidentUpdateSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    body = serializers.CharField()
    incident_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    display_at = serializers.DateTimeField()
    affected_components = AffectedComponentSerializer(many=True, allow_null=True)
    deliver_notifications = serializers.BooleanField()
    custom_tweet = serializers.CharField(allow_null=True)
    tweet_id = serializers.CharField(allow_null=True)


class IncidentSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(AdvisoryPhase.values + ["postmortem"])
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    monitoring_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    impact = serializers.ChoiceField(INDICATORS)
    shortlink = serializers.URLField()
    started_at = serializers.DateTimeField()
    page_id = serializers.CharField()
    incident_updates = IncidentUpdateSerializer(many=True, help_text="Newest first.")
    components = ComponentSerializer(many=True)


class MaintenanceSerializer(IncidentSerializer):
    status = serializers.ChoiceField(MAINTENANCE_STATUSES)
    impact = serializers.ChoiceField(INDICATORS + ["maintenance"])
    scheduled_for = serializers.DateTimeField()
    scheduled_until = serializers.DateTimeField(allow_null=True)


def envelope(name: str, **fields) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {"page": PageSerializer(), **fields})


StatusDocument = envelope("StatuspageStatus", status=IndicatorSerializer())
ComponentsDocument = envelope("StatuspageComponents", components=ComponentSerializer(many=True))
IncidentsDocument = envelope("StatuspageIncidents", incidents=IncidentSerializer(many=True))
MaintenancesDocument = envelope(
    "StatuspageScheduledMaintenances", scheduled_maintenances=MaintenanceSerializer(many=True)
)
SummaryDocument = envelope(
    "StatuspageSummary",
    components=ComponentSerializer(many=True),
    incidents=IncidentSerializer(many=True),
    scheduled_maintenances=MaintenanceSerializer(many=True),
    status=IndicatorSerializer(),
)
