"""Measure (printed, not asserted: speed belongs to ``make bench``): from ``pdn set`` to the
mail accepted by the SMTP server and to the webhook received, through the real stack (the
simulator served by the test's web server, Celery beat polling it, a worker observing,
settling and sending), and 1,000 subscribers of one office told of one change.

The stack runs with a poll interval of 1 s and a settling window of 2 s, so the target of
poll interval + NOTIFY_SETTLE_SECONDS + 5 s is 8 s here.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from notify.models import OfficeWatch, Subscriber, Webhook
from offices.models import Office
from services.simulator import set_state
from services.snapshot import recompute
from tests.factories import set_systems
from tests.stack import point_poller_at, running_stack, stack_env, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
POLL, SETTLE, CHANGES = 1.0, 2.0, 10


@pytest.fixture
def stack_settings(notify_settings, settings, live_server, smtp, receiver):
    """Worker and beat polling the simulator and sending to the test's SMTP and receiver."""
    health_url = point_poller_at(settings, live_server.url)
    set_state("up", cekal="up")
    set_systems(pdn="up", cekal="up")
    recompute()
    return stack_env(
        health_url,
        POLL_INTERVAL_SECONDS=POLL,
        NOTIFY_SETTLE_SECONDS=SETTLE,
        STALE_AFTER_SECONDS=600,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=settings.EMAIL_PORT,
        EMAIL_USE_TLS=0,
        WEBHOOK_ALLOW_PRIVATE=1,
    )


def observed_once() -> bool:
    return OfficeWatch.objects.filter(office__code="palembang", notified__isnull=False).exists()


def printing_deliveries(receiver) -> list[float]:
    return [
        r.at
        for r in receiver.requests
        if r.verified
        and r.verified["data"]["code"] == "printing"
        and r.verified["data"]["office"] == "palembang"
    ]


def test_time_from_pdn_set_to_mail_and_webhook(stack_settings, smtp, receiver, tmp_path, capsys):
    office = Office.objects.get(code="palembang")
    Subscriber.objects.create(email="warga@example.id", office=office, confirmed_at=timezone.now())
    webhook = Webhook.objects.create(owner=_owner(), url=receiver.url)
    webhook.offices.set([office])
    receiver.secret = webhook.secret
    mail_seconds, hook_seconds = [], []
    with running_stack(stack_settings, tmp_path):
        wait_until(observed_once, 60, "the worker to observe the offices once")
        for number in range(CHANGES):
            started = time.monotonic()
            call_command("pdn", "set", "down" if number % 2 == 0 else "up")
            wait_until(lambda n=number: len(smtp.arrived) > n, 120, f"mail {number + 1}")
            wait_until(
                lambda n=number: len(printing_deliveries(receiver)) > n,
                120,
                f"webhook {number + 1}",
            )
            mail_seconds.append(smtp.arrived[number] - started)
            hook_seconds.append(printing_deliveries(receiver)[number] - started)
    assert len(smtp.messages) == CHANGES  # one mail per change, none repeated
    with capsys.disabled():
        print(
            f"\nnotify latency over {CHANGES} changes (poll {POLL:g} s, settle {SETTLE:g} s, "
            f"target {POLL + SETTLE + 5:g} s): "
            f"mail median {statistics.median(mail_seconds):.1f} s max {max(mail_seconds):.1f} s; "
            f"webhook median {statistics.median(hook_seconds):.1f} s "
            f"max {max(hook_seconds):.1f} s"
        )


def test_a_thousand_subscribers_of_one_office_are_told(stack_settings, smtp, tmp_path, capsys):
    office = Office.objects.get(code="palembang")
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(email=f"warga{n}@example.id", office=office, confirmed_at=now)
        for n in range(1000)
    )
    with running_stack(stack_settings, tmp_path):
        wait_until(observed_once, 60, "the worker to observe the offices once")
        started = time.monotonic()
        call_command("pdn", "set", "down")
        wait_until(lambda: len(smtp.arrived) >= 1, 120, "the first mail")
        wait_until(lambda: len(smtp.arrived) >= 1000, 300, "the 1,000th mail", every=0.5)
    assert len({m["To"] for m in smtp.messages}) == len(smtp.messages) == 1000
    with capsys.disabled():
        print(
            f"\nnotify 1,000 subscribers at one office: first mail {smtp.arrived[0] - started:.1f} "
            f"s after pdn set, the 1,000th {smtp.arrived[-1] - started:.1f} s "
            f"({smtp.arrived[-1] - smtp.arrived[0]:.1f} s of sending, target 60 s)"
        )


def _owner():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("sistem-kanwil")
