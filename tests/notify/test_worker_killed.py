"""A Celery worker killed mid-delivery: no notification is lost, none is sent twice.

The worker is SIGKILLed, pool and all, while the receiver holds its first delivery open
(the request sent, the answer not yet read). The receiver then answers into the dead
connection. The row stays claimed until its lease ends; the sweeper (beat's task, run here
by the test) hands it to a replacement worker, which sends it again with the same
``webhook-id``, so a receiver that drops repeated ids processes every change once.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from notify import changes
from notify.choices import DeliveryState
from notify.models import Notification, Webhook
from notify.tasks import dispatch_due_notifications_task
from offices.models import Office
from services.snapshot import recompute
from tests.factories import set_systems
from tests.reliability.processes import celery_worker, group_alive, kill_group
from tests.stack import purge_queue, stack_env, stop_process, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LEASE_SECONDS = 3


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_a_notification(
    notify_settings, receiver, tmp_path
):
    notify_settings.NOTIFY_SETTLE_SECONDS = 0.0
    owner = get_user_model().objects.create_user("sistem-kanwil")
    webhook = Webhook.objects.create(owner=owner, url=receiver.url)
    webhook.offices.set([Office.objects.get(code="muara-enim")])
    receiver.secret = webhook.secret
    receiver.hold = threading.Event()
    set_systems(pdn="up", cekal="up")
    recompute()
    changes.observe()
    purge_queue()

    set_systems(pdn="degraded", cekal="down")
    recompute()
    changes.observe()  # pending
    told = changes.observe()  # settled (no settling window here): rows written, queued
    assert len(told.notifications) >= 3
    env = stack_env(
        "http://127.0.0.1:9/unused",
        NOTIFY_LEASE_SECONDS=LEASE_SECONDS,
        NOTIFY_SETTLE_SECONDS=0,
        WEBHOOK_ALLOW_PRIVATE=1,
        WEBHOOK_READ_TIMEOUT=60,
        STALE_AFTER_SECONDS=3600,
    )
    worker = celery_worker(env, tmp_path, "doomed")
    try:
        wait_until(receiver.arrived.is_set, 60, "the first delivery to reach the receiver")
        kill_group(worker)
        wait_until(lambda: not group_alive(worker.pid), 10, "the worker's pool to die with it")
        receiver.hold.set()  # the receiver answers into the dead connection
        claimed = Notification.objects.filter(state=DeliveryState.SENDING)
        (interrupted,) = claimed
        assert not Notification.objects.filter(state=DeliveryState.SENT).exists()

        worker = celery_worker(env, tmp_path, "replacement")
        wait_until(
            lambda: Notification.objects.due(timezone.now()).filter(pk=interrupted.pk).exists(),
            LEASE_SECONDS + 30,
            "the interrupted row's lease to end",
        )
        dispatch_due_notifications_task()  # what beat runs every few seconds
        wait_until(
            lambda: not Notification.objects.exclude(state=DeliveryState.SENT).exists(),
            60,
            "every notification to be sent",
        )
    except BaseException:
        print(*(p.read_text()[-3000:] for p in sorted(tmp_path.glob("*.log"))), sep="\n")
        raise
    finally:
        if worker.poll() is None:
            stop_process(worker)

    rows = list(Notification.objects.all())
    assert sorted(r.pk for r in rows) == sorted(told.notifications)  # none lost, none added
    assert {r.pk: r.attempts for r in rows} == {
        r.pk: 2 if r.pk == interrupted.pk else 1 for r in rows
    }
    per_id = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert per_id == {r.message_id: 2 if r.pk == interrupted.pk else 1 for r in rows}
    twice = [r for r in receiver.requests if r.headers["webhook-id"] == interrupted.message_id]
    assert twice[0].body == twice[1].body  # the same message: a receiver drops the repeat
    processed = {(p["data"]["kind"], p["data"]["code"]) for p in receiver.accepted()}
    assert len(processed) == len(rows)
