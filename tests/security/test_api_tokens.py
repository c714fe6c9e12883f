"""API tokens act only with their owner's standing: active staff, the admin's permission, and
the owner's offices, for reads as for writes; token reads are rate-limited too."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from offices.models import OFFICE_STAFF_GROUP, Office, OfficeClosure, OfficeMembership
from portal.models import ApiToken
from services.models import Override
from tests.factories import set_systems

pytestmark = pytest.mark.django_db
CLOSE_PRINTING = {"office": "muara-enim", "stage": "printing", "state": "closed", "reason": "x"}


@pytest.fixture(autouse=True)
def _systems_up():
    set_systems(pdn="up", cekal="up")


def account(username: str, office: str | None = "muara-enim", *, staff=True, group=True, **kw):
    user = get_user_model().objects.create_user(username, is_staff=staff, **kw)
    if group:
        user.groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
    if office:
        OfficeMembership.objects.create(user=user, office=Office.objects.get(code=office))
    return user, ApiToken.issue(user, f"{username} system")[1]


def send(client, method: str, path: str, token: str, body: dict | None = None):
    data = json.dumps(body) if body is not None else None
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return getattr(client, method)(path, data=data, content_type="application/json", **auth)


def boss_writes() -> tuple[int, int]:
    boss = get_user_model().objects.create_superuser("pusat", password=None)
    secret = ApiToken.issue(boss, "pusat")[1]
    return (
        send(Client(), "post", "/api/v1/overrides/", secret, CLOSE_PRINTING).json()["id"],
        send(
            Client(), "post", "/api/v1/closures/", secret, {"office": "muara-enim", "reason": "x"}
        ).json()["id"],
    )


@pytest.mark.parametrize(
    ("staff", "group"), [(False, False), (True, False), (False, True)], ids=str
)
def test_a_token_acts_only_for_active_staff_holding_the_admins_permission(client, staff, group):
    override, closure = boss_writes()
    _user, token = account("loket", staff=staff, group=group)
    calls = [
        ("post", "/api/v1/overrides/", CLOSE_PRINTING),
        ("delete", f"/api/v1/overrides/{override}/", None),
        ("post", "/api/v1/closures/", {"office": "muara-enim", "reason": "Banjir"}),
        ("delete", f"/api/v1/closures/{closure}/", None),
        ("get", "/api/v1/overrides/", None),
        ("get", f"/api/v1/closures/{closure}/", None),
    ]
    for method, path, body in calls:
        response = send(client, method, path, token, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
    assert Override.objects.count() == 1 and Override.objects.get().cleared_at is None
    assert OfficeClosure.objects.count() == 1 and OfficeClosure.objects.get().cleared_at is None


def test_removing_the_group_takes_effect_on_the_next_request(client):
    user, token = account("loket")
    assert send(client, "post", "/api/v1/overrides/", token, CLOSE_PRINTING).status_code == 201
    user.groups.clear()
    assert send(client, "post", "/api/v1/overrides/", token, CLOSE_PRINTING).status_code == 403


@pytest.mark.parametrize("office", ["palembang", None])
def test_a_token_reads_only_its_owners_offices(client, office):
    override, closure = boss_writes()  # both at Muara Enim
    _user, token = account("lain", office=office)
    for path in (f"/api/v1/overrides/{override}/", f"/api/v1/closures/{closure}/"):
        response = send(client, "get", path, token)
        assert response.status_code == 403, response.content
        assert "pusat" not in response.content.decode()


def test_token_reads_are_rate_limited_per_token(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "off", "token-write": "off", "token-read": "2/min"},
    }
    _user, token = account("loket")
    statuses = [send(client, "get", "/api/v1/overrides/", token).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    _other, other = account("loket-2")
    assert send(client, "get", "/api/v1/overrides/", other).status_code == 200
