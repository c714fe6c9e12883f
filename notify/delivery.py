"""Sending the outbox: claim a row with a conditional update, send it, record the outcome.

A row is claimed for a lease (NOTIFY_LEASE_SECONDS): a worker killed mid-send leaves it
``sending`` until the lease ends, when the sweeper hands it to another worker, with the
same ``message_id`` (a webhook's ``webhook-id``, a mail's ``Message-ID``). Failures are
retried with exponential backoff; a webhook whose delivery fails NOTIFY_MAX_ATTEMPTS times
is paused, with the reason for its owner.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone

from . import mail, signing
from .addresses import RefusedTarget, resolve
from .choices import Channel, DeliveryState
from .models import Notification, Webhook

log = logging.getLogger(__name__)
USER_AGENT = "status-layanan-imigrasi-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Retry:
    """Rows to try again, and in how many seconds the first of them is due."""

    ids: list[int]
    delay: float


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, at most an hour."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


def claim(pk: int, now: datetime) -> Notification | None:
    """Take row ``pk`` for a lease if it is due (or abandoned); None if another has it."""
    lease = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    claimable = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, lease_until__lte=now
    )
    taken = (
        Notification.objects.filter(pk=pk)
        .filter(claimable)
        .update(state=DeliveryState.SENDING, lease_until=lease, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return Notification.objects.select_related("subscriber", "webhook", "office").get(pk=pk)


def deliver(ids: list[int]) -> Retry | None:
    """Send each due row of ``ids`` (mails over one SMTP connection); return what to retry."""
    retry: list[Notification] = []
    connection = None
    try:
        for pk in ids:
            now = timezone.now()
            if _paused(pk):
                continue
            row = claim(pk, now)
            if row is None:
                continue
            if _left(row):
                _cancel(row)
                continue
            if row.channel == Channel.MAIL and connection is None:
                connection = get_connection()
            outcome = send(row, connection)
            if not record(row, outcome, timezone.now()) and row.state == DeliveryState.PENDING:
                retry.append(row)
    finally:
        if connection is not None:
            connection.close()
    if not retry:
        return None
    first = min(r.next_attempt_at for r in retry)
    return Retry([r.pk for r in retry], max((first - timezone.now()).total_seconds(), 0.0))


def _left(row: Notification) -> bool:
    """A notification for a subscriber who unsubscribed after it was written."""
    subscriber = row.subscriber
    return subscriber is not None and row.payload.get("kind") == "change" and not subscriber.active


def _cancel(row: Notification) -> None:
    Notification.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.CANCELLED, lease_until=None, last_error="Unsubscribed before sending."
    )


def _paused(pk: int) -> bool:
    return Notification.objects.filter(pk=pk, webhook__paused_at__isnull=False).exists()


def send(row: Notification, connection=None) -> Outcome:
    """One attempt at one row."""
    if row.channel == Channel.MAIL:
        return send_mail(row, connection)
    return send_webhook(row)


def send_mail(row: Notification, connection) -> Outcome:
    try:
        mail.message(row, connection).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, error=f"SMTP: {exc}"[:500])
    return Outcome(True)


def send_webhook(row: Notification) -> Outcome:
    """POST the signed payload to the address that was checked (no redirects followed)."""
    webhook = row.webhook
    assert webhook is not None
    try:
        scheme, host, port, address = resolve(webhook.url)
    except RefusedTarget as exc:
        return Outcome(False, error=str(exc))
    body = signing.webhook_body(row.payload)
    headers = signing.webhook_headers(webhook.secret, row.message_id, timezone.now(), body)
    parts = urlsplit(webhook.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal
    headers["Host"] = name if port == default_port else f"{name}:{port}"
    headers["User-Agent"] = USER_AGENT
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT
    )
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, server_hostname=host, assert_hostname=host
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout)
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                path,
                body=body.encode(),
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,  # only the status matters: the body is never read
            )
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status < 300:
        return Outcome(True, response.status)
    return Outcome(False, response.status, f"HTTP {response.status}")


def record(row: Notification, outcome: Outcome, now: datetime) -> bool:
    """Record an attempt's outcome, if the row is still this worker's; return ``ok``."""
    mine = Notification.objects.filter(
        pk=row.pk, state=DeliveryState.SENDING, lease_until=row.lease_until
    )
    if outcome.ok:
        mine.update(
            state=DeliveryState.SENT,
            sent_at=now,
            response_status=outcome.status,
            last_error="",
            lease_until=None,
        )
        if row.webhook is not None and row.webhook.consecutive_failures:
            Webhook.objects.filter(pk=row.webhook.pk).update(consecutive_failures=0)
        row.state = DeliveryState.SENT
        return True
    log.warning("notification %s attempt %d failed: %s", row, row.attempts, outcome.error)
    given_up = row.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    row.state = DeliveryState.FAILED if given_up else DeliveryState.PENDING
    row.next_attempt_at = now + backoff(row.attempts)
    mine.update(
        state=row.state,
        next_attempt_at=row.next_attempt_at,
        response_status=outcome.status,
        last_error=outcome.error,
        lease_until=None,
    )
    if row.webhook is not None:
        _count_failure(row, given_up, outcome, now)
    return False


def _count_failure(row: Notification, given_up: bool, outcome: Outcome, now: datetime) -> None:
    webhook = row.webhook
    assert webhook is not None
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    if given_up and not webhook.paused:
        webhook.pause(
            now,
            f"Paused after delivery {row.message_id} failed {row.attempts} times; "
            f"last error: {outcome.error}",
        )


def due_ids(now: datetime, limit: int = 5000) -> list[int]:
    """Rows due now, or abandoned by a worker whose lease ran out."""
    return list(Notification.objects.due(now).order_by("pk").values_list("pk", flat=True)[:limit])
