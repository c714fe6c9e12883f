"""The OpenAPI document's ``webhooks`` section: what a delivery looks like."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema

from .serializers import WebhookEventSerializer

status_changed_webhook = OpenApiWebhook(
    name="status.changed",
    decorator=extend_schema(
        summary="A stage, service, office or advisory changed at an office",
        description=(
            "POSTed to each registered webhook whose offices include the office, once per "
            "change, after the change has held for `NOTIFY_SETTLE_SECONDS`. Signed per the "
            "Standard Webhooks specification: headers `webhook-id` (the same on every retry: "
            "use it to drop duplicates), `webhook-timestamp` (Unix seconds) and "
            "`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the "
            "secret's `whsec_` key). Answer 2xx within 10 s; anything else, or a timeout, "
            "is retried with exponential backoff, and after 8 failed attempts the webhook is "
            "paused with the reason."
        ),
        request=WebhookEventSerializer,
        responses={200: OpenApiResponse(description="Received.")},
    ),
)
