"""Webhook subscriptions as the API shows them, and the payload of a delivery."""

from __future__ import annotations

from rest_framework import serializers

from offices.models import Office

from ..addresses import RefusedTarget, resolve
from ..choices import ChangeKind
from ..models import Webhook


class WebhookSerializer(serializers.ModelSerializer):
    """A webhook subscription of the token's owner."""

    url = serializers.URLField(
        max_length=500, help_text="Where deliveries are POSTed (http or https)."
    )
    offices = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Office.objects.all(),
        required=False,
        help_text="Office codes; empty: every office.",
    )
    paused = serializers.BooleanField(
        required=False, help_text="Pause or resume deliveries (paused after repeated failure)."
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "offices",
            "paused",
            "paused_at",
            "paused_reason",
            "consecutive_failures",
            "created_at",
        ]
        read_only_fields = ["paused_at", "paused_reason", "consecutive_failures", "created_at"]

    def validate_url(self, value: str) -> str:
        try:
            resolve(value)
        except RefusedTarget as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class WebhookCreatedSerializer(WebhookSerializer):
    """A new webhook subscription, with its signing secret (shown this once)."""

    secret = serializers.CharField(
        read_only=True,
        help_text="The Standard Webhooks signing secret (`whsec_…`); verify deliveries with it.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookChangeSerializer(serializers.Serializer):
    """What changed at an office."""

    office = serializers.CharField(help_text="The office's code.")
    office_name = serializers.CharField()
    kind = serializers.ChoiceField(ChangeKind.choices)
    code = serializers.CharField(
        help_text="The stage's or service's code, the advisory's id, or the office's code."
    )
    old_state = serializers.CharField(help_text="The state before; empty when it was not listed.")
    state = serializers.CharField(
        help_text="The new state: a stage or service state, `open`/`closed` for the office, "
        "`published`/`ended` for an advisory; empty when no longer listed."
    )
    cause = serializers.CharField(
        help_text="Why: system, declaration, override, closure, stale, schedule, or empty."
    )
    reason = serializers.CharField(help_text="Staff's words, for overrides and closures.")
    waiting_for = serializers.ListField(
        child=serializers.CharField(), help_text="Systems the stage or service waits for."
    )
    since = serializers.DateTimeField(allow_null=True, help_text="When the new state began.")
    url = serializers.URLField(help_text="The office's page.")


class WebhookEventSerializer(serializers.Serializer):
    """One delivery: one change, signed per Standard Webhooks."""

    type = serializers.ChoiceField([("status.changed", "status.changed")])
    timestamp = serializers.DateTimeField(help_text="When the change was told.")
    data = WebhookChangeSerializer()
