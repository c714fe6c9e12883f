"""Sign-up with double opt-in, confirmation and unsubscription, and the sign-up limits."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from offices.models import Office
from services.models import Service

from . import mail
from .choices import Channel
from .models import Notification, Subscriber


def sign_up(
    email: str, office: Office, services: list[Service], language: str, now: datetime
) -> Subscriber | None:
    """Ask ``email`` to confirm a subscription to ``office``; return the subscriber.

    An address already subscribed is left as it is (nothing is sent): the answer to the
    visitor is the same either way, so the form does not tell who is subscribed.
    """
    if not allow(f"address:{_digest(email)}", settings.NOTIFY_SIGNUPS_PER_ADDRESS):
        return None
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            email=email, office=office, defaults={"language": language}
        )
        if subscriber.active:
            return subscriber
        subscriber.language = language
        subscriber.confirmed_at = subscriber.unsubscribed_at = None
        subscriber.confirmation_sent_at = now
        subscriber.save()
        subscriber.services.set(services)
        row = Notification.objects.create(
            channel=Channel.MAIL,
            office=office,
            subscriber=subscriber,
            message_id="msg_" + uuid.uuid4().hex,
            payload=mail.render_confirmation(subscriber),
            created_at=now,
            next_attempt_at=now,
        )
        transaction.on_commit(lambda: _dispatch([row.pk]))
    return subscriber


def confirm(subscriber: Subscriber, now: datetime) -> bool:
    """Start notifying ``subscriber`` (opening the link twice changes nothing); False when
    the subscriber has left since, so an old link cannot sign them up again."""
    if subscriber.unsubscribed_at is not None:
        return False
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["confirmed_at"])
    return True


def unsubscribe(subscriber: Subscriber, now: datetime) -> None:
    """Stop notifying ``subscriber``; the row stays, so a later sign-up asks again."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now
        subscriber.save(update_fields=["unsubscribed_at"])


def allow(key: str, rate: str) -> bool:
    """Count one attempt under ``key``; False once ``rate`` ("3/h") is used up."""
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    name = f"notify:signup:{key}"
    cache.add(name, 0, seconds)
    try:
        used = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, seconds)
        used = 1
    return used <= int(count)


def client_allowed(address: str) -> bool:
    return allow(f"client:{address}", settings.NOTIFY_SIGNUPS_PER_CLIENT)


def _digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _dispatch(ids: list[int]) -> None:
    from .tasks import dispatch

    dispatch(ids)
