"""Signed links in mails (confirm, unsubscribe) and Standard Webhooks signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from standardwebhooks.webhooks import Webhook as StandardWebhook

from .models import Subscriber

CONFIRM_SALT = "notify.confirm"
UNSUBSCRIBE_SALT = "notify.unsubscribe"


def confirmation_token(subscriber: Subscriber) -> str:
    """A token for confirming ``subscriber``, valid for NOTIFY_CONFIRM_MAX_AGE_SECONDS."""
    return _token(subscriber, CONFIRM_SALT)


def confirmed_subscriber(token: str) -> Subscriber | None:
    """The subscriber a confirmation token names, if it is genuine and not expired."""
    return _subscriber(token, CONFIRM_SALT, settings.NOTIFY_CONFIRM_MAX_AGE_SECONDS)


def unsubscribe_token(subscriber: Subscriber) -> str:
    """A token that ends ``subscriber``'s subscription; it does not expire."""
    return _token(subscriber, UNSUBSCRIBE_SALT)


def unsubscribing_subscriber(token: str) -> Subscriber | None:
    return _subscriber(token, UNSUBSCRIBE_SALT, None)


def _token(subscriber: Subscriber, salt: str) -> str:
    # The address is signed, not carried: links (and the logs that record them) show an id.
    return signing.dumps(subscriber.pk, salt=f"{salt}:{subscriber.email}")


def _subscriber(token: str, salt: str, max_age: int | None) -> Subscriber | None:
    try:
        pk = int(signing.b64_decode(token.split(":", 1)[0].encode()))
    except (ValueError, TypeError):
        return None
    subscriber = Subscriber.objects.filter(pk=pk).select_related("office").first()
    if subscriber is None:
        return None
    try:
        signing.loads(token, salt=f"{salt}:{subscriber.email}", max_age=max_age)
    except signing.BadSignature:
        return None
    return subscriber


def unsubscribe_url(subscriber: Subscriber) -> str:
    return settings.SITE_URL + reverse("notify:unsubscribe", args=[unsubscribe_token(subscriber)])


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def webhook_body(payload: dict) -> str:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def webhook_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    at = at.astimezone(UTC)  # the library reads the timestamp as UTC whatever its zone
    signature = StandardWebhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
