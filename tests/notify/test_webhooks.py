"""Webhooks for systems: registered by a token holder, one signed delivery per change
(verified by a real HTTP receiver with the ``standardwebhooks`` package), retries with
backoff, pausing after repeated failure, and no delivery to private addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from notify import changes, delivery
from notify.choices import DeliveryState
from notify.models import Notification, Webhook
from portal.models import ApiToken
from services.snapshot import recompute
from tests.factories import set_systems

from .conftest import deliver_due

pytestmark = pytest.mark.django_db
START = datetime(2024, 6, 21, 2, 0, tzinfo=UTC)
SETTLE = timedelta(seconds=120)
PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "http://localhost/hook",  # a name that resolves to loopback
]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def holder(username: str = "sistem-kanwil") -> tuple[object, str]:
    """A plain (non-staff) account with a token: webhooks need only a token."""
    user = get_user_model().objects.create_user(username)
    return user, ApiToken.issue(user, f"{username} system")[1]


def call(client, method: str, path: str, token: str | None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(path, data=data, content_type="application/json", **headers)


def register(client, token: str, url: str, offices: list[str] | None = None) -> dict:
    body = {"url": url} if offices is None else {"url": url, "offices": offices}
    response = call(client, "post", "/api/v1/webhooks/", token, body)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def world(notify_settings, clock, receiver):
    set_systems(pdn="up", cekal="up")
    recompute()
    changes.observe()
    return receiver


def settle(clock) -> None:
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()
    deliver_due()


# --- The API ----------------------------------------------------------------------------------


def test_a_token_holder_registers_lists_pauses_and_deletes_its_own(client, world):
    _, token = holder()
    created = register(client, token, world.url, ["muara-enim"])
    assert created["secret"].startswith("whsec_") and created["offices"] == ["muara-enim"]
    listed = call(client, "get", "/api/v1/webhooks/", token).json()
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    path = f"/api/v1/webhooks/{created['id']}/"
    paused = call(client, "patch", path, token, {"paused": True})
    assert paused.status_code == 200 and paused.json()["paused"] is True
    resumed = call(client, "patch", path, token, {"paused": False}).json()
    assert resumed["paused"] is False and resumed["paused_reason"] == ""
    assert call(client, "delete", path, token).status_code == 204
    assert not Webhook.objects.exists()


def test_another_owner_cannot_see_change_or_delete_a_webhook(client, world):
    _, token = holder()
    created = register(client, token, world.url)
    _, stranger = holder("orang-lain")
    path = f"/api/v1/webhooks/{created['id']}/"
    assert call(client, "get", "/api/v1/webhooks/", stranger).json() == []
    for method, body in [("get", None), ("patch", {"paused": True}), ("delete", None)]:
        assert call(client, method, path, stranger, body).status_code == 404
    assert not Webhook.objects.get().paused


@pytest.mark.parametrize("header", [None, "Bearer sli_not-a-token"])
def test_without_a_valid_token_webhooks_are_401(client, world, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    body = json.dumps({"url": world.url})
    listed = client.get("/api/v1/webhooks/", **headers)
    created = client.post(
        "/api/v1/webhooks/", data=body, content_type="application/json", **headers
    )
    assert listed.status_code == created.status_code == 401
    assert not Webhook.objects.exists()


def test_a_revoked_token_is_refused(client, world):
    user, token = holder()
    ApiToken.objects.get(owner=user).revoke()
    assert call(client, "post", "/api/v1/webhooks/", token, {"url": world.url}).status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://example.id/hook"}, "url"),
        ({"url": "http://host.invalid/hook"}, "url"),  # does not resolve
        ({"url": "RECEIVER", "offices": ["jakarta"]}, "offices"),
        ({"offices": []}, "url"),
    ],
)
def test_bad_registrations_are_400_naming_the_field_and_change_nothing(client, world, body, field):
    _, token = holder()
    body = {k: (world.url if v == "RECEIVER" else v) for k, v in body.items()}
    response = call(client, "post", "/api/v1/webhooks/", token, body)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_targets_are_refused_when_registered(client, notify_settings, url):
    notify_settings.WEBHOOK_ALLOW_PRIVATE = False
    _, token = holder()
    response = call(client, "post", "/api/v1/webhooks/", token, {"url": url})
    assert response.status_code == 400 and response.json()["error"]["field"] == "url"
    assert "loopback, private, link-local or reserved" in response.json()["error"]["message"]
    assert not Webhook.objects.exists()


def test_the_payload_is_documented_in_the_openapi_webhooks_section(client):
    document = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    delivery = document["webhooks"]["status.changed"]["post"]
    body = delivery["requestBody"]["content"]["application/json"]
    event = document["components"]["schemas"][body["schema"]["$ref"].split("/")[-1]]
    assert set(event["properties"]) == {"type", "timestamp", "data"}
    change = document["components"]["schemas"]["WebhookChange"]["properties"]
    assert {"office", "kind", "code", "state", "cause", "old_state"} <= set(change)


# --- Deliveries -------------------------------------------------------------------------------


def test_one_signed_delivery_per_change_verified_by_the_receiver(client, world, clock):
    _, token = holder()
    world.secret = register(client, token, world.url, ["muara-enim"])["secret"]
    set_systems(pdn="degraded", cekal="down")
    recompute()
    settle(clock)
    delivered = world.accepted()
    # Muara Enim (no TPI): the cekal check and printing close, and the three services
    # that need them are limited or closed.
    kinds = sorted((p["data"]["kind"], p["data"]["code"]) for p in delivered)
    assert ("stage", "cekal-check") in kinds and ("stage", "printing") in kinds
    assert len(kinds) == len(set(kinds))  # one delivery per change
    printing = next(p["data"] for p in delivered if p["data"]["code"] == "printing")
    assert printing["office"] == "muara-enim" and printing["state"] == "closed"
    assert printing["old_state"] == "open" and printing["cause"] == "system"
    assert printing["waiting_for"] == ["pdn", "cekal"]
    assert all(p["type"] == "status.changed" for p in delivered)
    ids = [r.headers["webhook-id"] for r in world.requests]
    assert len(ids) == len(set(ids)) == Notification.objects.count()
    settle(clock)  # nothing changed since: nothing more is sent
    assert len(world.requests) == len(ids)


def test_a_webhook_for_another_office_hears_nothing(client, world, clock):
    _, token = holder()
    world.secret = register(client, token, world.url, ["palembang"])["secret"]
    from offices.models import Office
    from services import overrides
    from services.models import Stage

    overrides.create_override(
        Office.objects.get(code="muara-enim"),
        state="closed",
        reason="Printer rusak",
        stage=Stage.objects.get(code="printing"),
        actor=get_user_model().objects.create_superuser("pusat"),
    )
    settle(clock)
    assert world.requests == []


def test_a_failing_receiver_is_retried_with_backoff_until_it_succeeds(client, world, clock):
    _, token = holder()
    world.secret = register(client, token, world.url, ["muara-enim"])["secret"]
    world.statuses = [500, 503]
    from offices.models import OfficeClosure

    OfficeClosure.objects.create(
        office_id=_office("muara-enim"), reason="Banjir", starts_at=timezone.now()
    )
    recompute()
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()
    office_row = Notification.objects.get(payload__data__kind="office")
    ids = [office_row.pk]  # the office's closure; its stages' and services' rows wait
    delivery.deliver(ids)
    row = Notification.objects.get(pk=office_row.pk)
    assert (row.state, row.attempts, row.response_status) == (DeliveryState.PENDING, 1, 500)
    assert row.next_attempt_at == timezone.now() + timedelta(seconds=10)
    delivery.deliver(ids)  # not due yet: not even claimed
    assert Notification.objects.get(pk=row.pk).attempts == 1
    clock.shift(timedelta(seconds=10))
    delivery.deliver(ids)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.response_status) == (DeliveryState.PENDING, 2, 503)
    assert row.next_attempt_at == timezone.now() + timedelta(seconds=20)
    clock.shift(timedelta(seconds=20))
    delivery.deliver(ids)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 3, "")
    attempts = [r for r in world.requests if r.headers["webhook-id"] == row.message_id]
    assert [r.status for r in attempts] == [500, 503, 204]
    assert len({r.body for r in attempts}) == 1  # the same message each time
    assert [p["data"]["kind"] for p in world.accepted()] == ["office"]


def test_a_timeout_counts_as_a_failure(client, world, clock, settings):
    settings.WEBHOOK_READ_TIMEOUT = 0.2
    _, token = holder()
    world.secret = register(client, token, world.url, ["muara-enim"])["secret"]
    world.delay = 1.0
    set_systems(pdn="down")
    recompute()
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()
    first = Notification.objects.order_by("pk").first()
    delivery.deliver([first.pk])
    first.refresh_from_db()
    assert first.state == DeliveryState.PENDING and "ReadTimeoutError" in first.last_error


def test_repeated_failure_pauses_the_webhook_and_its_owner_sees_why(client, world, clock, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    _, token = holder()
    created = register(client, token, world.url, ["muara-enim"])
    world.secret = created["secret"]
    world.statuses = [500] * 100
    set_systems(pdn="down")
    recompute()
    settle(clock)
    for wait in (10, 20):
        clock.shift(timedelta(seconds=wait))
        deliver_due()
    shown = call(client, "get", f"/api/v1/webhooks/{created['id']}/", token).json()
    assert shown["paused"] is True
    assert "failed 3 times; last error: HTTP 500" in shown["paused_reason"]
    assert Notification.objects.filter(state=DeliveryState.FAILED).exists()
    before = len(world.requests)
    clock.shift(timedelta(hours=2))
    assert deliver_due() == 0  # a paused webhook's rows wait
    assert len(world.requests) == before


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_targets_are_refused_at_delivery_time_too(client, world, clock, settings, url):
    """Registered while allowed (or a name that resolved elsewhere then): still refused."""
    _, token = holder()
    webhook = Webhook.objects.get(pk=register(client, token, world.url, ["muara-enim"])["id"])
    Webhook.objects.filter(pk=webhook.pk).update(url=url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    set_systems(pdn="down")
    recompute()
    settle(clock)
    rows = Notification.objects.filter(webhook=webhook)
    assert rows and all(r.state == DeliveryState.PENDING for r in rows)
    assert all("loopback, private, link-local or reserved" in r.last_error for r in rows)
    assert world.requests == []


def _office(code: str) -> int:
    from offices.models import Office

    return Office.objects.get(code=code).pk


def test_a_claimed_row_is_no_one_elses_until_its_lease_ends(client, world, clock, settings):
    settings.NOTIFY_LEASE_SECONDS = 120.0
    _, token = holder()
    world.secret = register(client, token, world.url, ["muara-enim"])["secret"]
    set_systems(pdn="down")
    recompute()
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()
    row = Notification.objects.order_by("pk").first()
    assert delivery.claim(row.pk, timezone.now()) is not None  # a worker, then killed
    assert delivery.claim(row.pk, timezone.now()) is None
    clock.shift(timedelta(seconds=119))
    assert delivery.claim(row.pk, timezone.now()) is None
    assert row.pk not in delivery.due_ids(timezone.now())
    clock.shift(timedelta(seconds=1))
    assert row.pk in delivery.due_ids(timezone.now())
    again = delivery.claim(row.pk, timezone.now())
    assert again is not None and again.attempts == 2 and again.message_id == row.message_id
