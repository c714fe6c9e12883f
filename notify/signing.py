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
    return signing.dumps([subscriber.pk, subscriber.email], salt=CONFIRM_SALT, compress=True)


def confirmed_subscriber(token: str) -> Subscriber | None:
    """The subscriber a confirmation token names, if it is genuine and not expired."""
    try:
        pk, email = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.NOTIFY_CONFIRM_MAX_AGE_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, email=email).first()


def unsubscribe_token(subscriber: Subscriber) -> str:
    """A token that ends ``subscriber``'s subscription; it does not expire."""
    return signing.dumps([subscriber.pk, subscriber.email], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribing_subscriber(token: str) -> Subscriber | None:
    try:
        pk, email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, email=email).first()


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
