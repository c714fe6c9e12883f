"""Writes by other systems with tokens: scope, validation, audit trail, throttling."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from offices.models import OFFICE_STAFF_GROUP, Office, OfficeClosure, OfficeMembership
from portal.models import ApiToken
from services.choices import Cause, ForcedState, StageState, SystemState
from services.models import Override, StatusEvent, UpstreamSystem
from tests.factories import set_systems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _systems_up():
    set_systems(pdn="up", cekal="up")


def staff_token(username: str, office: str | None = None, **perms) -> tuple[object, str]:
    """A staff account (office staff of ``office``, if given) and a token acting as it."""
    user = get_user_model().objects.create_user(username, is_staff=True, **perms)
    if office:
        user.groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
        OfficeMembership.objects.create(user=user, office=Office.objects.get(code=office))
    return user, ApiToken.issue(user, f"{username} system")[1]


@pytest.fixture
def muara_enim():
    return staff_token("staf-muara-enim", "muara-enim")


@pytest.fixture
def superuser():
    return staff_token("pusat", is_superuser=True)


def send(client, method: str, path: str, token: str | None, body: dict | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else None
    call = getattr(client, method)
    return call(path, data=data, content_type="application/json", **headers, **extra)


def stage_state(client, office: str, stage: str) -> dict:
    body = client.get(f"/api/v1/offices/{office}/", {"lang": "en"}).json()
    return next(s for s in body["office"]["stages"] if s["code"] == stage)


CLOSE_PRINTING = {
    "office": "muara-enim",
    "stage": "printing",
    "state": "closed",
    "reason": "Printer ribbon replaced",
}


def test_token_closes_printing_at_its_own_office_and_the_change_is_audited(client, muara_enim):
    user, token = muara_enim
    response = send(client, "post", "/api/v1/overrides/", token, CLOSE_PRINTING)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["office"] == "muara-enim" and body["stage"] == "printing"
    assert body["state"] == ForcedState.CLOSED and body["actor"] == "staf-muara-enim"
    printing = stage_state(client, "muara-enim", "printing")
    assert printing["state"] == StageState.CLOSED
    assert printing["reason"] == "Printer ribbon replaced"
    event = StatusEvent.objects.get(
        office__code="muara-enim", stage__code="printing", new_state=StageState.CLOSED
    )
    assert event.cause == Cause.OVERRIDE and event.actor == user
    assert "Access-Control-Allow-Origin" not in response


def test_muara_enim_token_cannot_change_palembang(client, muara_enim):
    _user, token = muara_enim
    events = StatusEvent.objects.count()
    response = send(
        client, "post", "/api/v1/overrides/", token, {**CLOSE_PRINTING, "office": "palembang"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "palembang" in response.json()["error"]["message"]
    assert not Override.objects.exists() and StatusEvent.objects.count() == events
    assert stage_state(client, "palembang", "printing")["state"] == StageState.OPEN
    closure = {"office": "palembang", "reason": "Banjir"}
    assert send(client, "post", "/api/v1/closures/", token, closure).status_code == 403
    assert not OfficeClosure.objects.exists()


def test_muara_enim_token_cannot_clear_a_palembang_override(client, muara_enim, superuser):
    _boss, boss_token = superuser
    created = send(
        client, "post", "/api/v1/overrides/", boss_token, {**CLOSE_PRINTING, "office": "palembang"}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    _user, token = muara_enim
    assert send(client, "delete", f"/api/v1/overrides/{pk}/", token).status_code == 403
    assert Override.objects.get(pk=pk).cleared_at is None
    # ...and does not list it among the overrides it may manage.
    assert send(client, "get", "/api/v1/overrides/", token).json() == []


def test_clearing_an_override_reopens_the_stage_and_records_who(client, muara_enim):
    user, token = muara_enim
    pk = send(client, "post", "/api/v1/overrides/", token, CLOSE_PRINTING).json()["id"]
    listed = send(client, "get", "/api/v1/overrides/", token).json()
    assert [o["id"] for o in listed] == [pk]
    response = send(client, "delete", f"/api/v1/overrides/{pk}/", token)
    assert response.status_code == 200
    assert response.json()["cleared_by"] == "staf-muara-enim" and response.json()["cleared_at"]
    assert stage_state(client, "muara-enim", "printing")["state"] == StageState.OPEN
    reopened = StatusEvent.objects.get(
        office__code="muara-enim",
        stage__code="printing",
        new_state=StageState.OPEN,
        old_state=StageState.CLOSED,
    )
    assert reopened.actor == user
    assert send(client, "get", "/api/v1/overrides/", token).json() == []


# 400: the body does not match the schema; 422: it does, but names nothing known or breaks
# a rule the schema cannot say.
@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"reason": "  "}, "reason", 400),
        ({"reason": None}, "reason", 400),
        ({"office": "jakarta"}, "office", 422),
        ({"office": "Jakarta Pusat"}, "office", 400),
        ({"stage": "fingerprints"}, "stage", 422),
        ({"state": "partial"}, "state", 400),
        ({"service": "passport-express"}, "stage", 400),
        ({"stage": None}, "stage", 400),
        ({"stage": "border-check"}, "stage", 422),
        ({"expires_at": "2020-01-01T00:00:00+07:00"}, "expires_at", 422),
        ({"expires_at": "soon"}, "expires_at", 400),
        ({"reasons": "typo"}, "reasons", 400),
        ({"id": 7}, "id", 400),
    ],
)
def test_bad_override_is_refused_naming_the_field_and_changes_nothing(
    client, muara_enim, change, field, status
):
    _user, token = muara_enim
    response = send(client, "post", "/api/v1/overrides/", token, {**CLOSE_PRINTING, **change})
    assert response.status_code == status, response.content
    assert response.json()["error"]["field"] == field
    assert not Override.objects.exists()


def test_malformed_or_non_json_bodies_are_refused(client, muara_enim):
    _user, token = muara_enim
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    broken = client.post("/api/v1/overrides/", "{not json", content_type="application/json", **auth)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "parse_error"
    form = client.post("/api/v1/overrides/", {"office": "muara-enim"}, **auth)
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
    listing = send(client, "post", "/api/v1/overrides/", token, ["not", "an", "object"])
    assert listing.status_code == 400


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer sli_not-a-token", "Basic dXNlcjpwYXNz", "Bearer a b"],
)
def test_writes_without_a_valid_token_are_401(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/overrides/", json.dumps(CLOSE_PRINTING), content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}
    assert not Override.objects.exists()


def test_revoked_token_and_inactive_owner_are_refused(client, muara_enim):
    user, token = muara_enim
    assert send(client, "get", "/api/v1/overrides/", token).status_code == 200
    user.is_active = False
    user.save()
    assert send(client, "get", "/api/v1/overrides/", token).status_code == 401
    user.is_active = True
    user.save()
    ApiToken.objects.get(owner=user).revoke()
    assert send(client, "get", "/api/v1/overrides/", token).status_code == 401


def test_tokens_are_stored_hashed_and_record_their_last_use(client, muara_enim):
    user, token = muara_enim
    stored = ApiToken.objects.get(owner=user)
    assert token.startswith("sli_") and token not in (stored.digest, stored.hint)
    assert stored.digest == ApiToken.digest_of(token) and stored.last_used_at is None
    send(client, "get", "/api/v1/overrides/", token)
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_closure_by_token_closes_the_office_and_ending_it_reopens(client, muara_enim):
    user, token = muara_enim
    ends = (timezone.now() + timedelta(hours=4)).isoformat()
    response = send(
        client,
        "post",
        "/api/v1/closures/",
        token,
        {"office": "muara-enim", "reason": "Listrik padam", "ends_at": ends},
    )
    assert response.status_code == 201, response.content
    closure = response.json()
    assert closure["actor"] == "staf-muara-enim" and closure["cleared_at"] is None
    assert stage_state(client, "muara-enim", "interview")["state"] == StageState.CLOSED
    assert stage_state(client, "palembang", "interview")["state"] == StageState.OPEN
    event = StatusEvent.objects.get(
        office__code="muara-enim", stage__code="interview", new_state=StageState.CLOSED
    )
    assert event.cause == Cause.CLOSURE and event.actor == user
    ended = send(client, "delete", f"/api/v1/closures/{closure['id']}/", token)
    assert ended.status_code == 200 and ended.json()["cleared_by"] == "staf-muara-enim"
    assert stage_state(client, "muara-enim", "interview")["state"] == StageState.OPEN


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"reason": ""}, "reason", 400),
        ({"office": None}, "office", 400),
        ({"ends": "2030-01-01T00:00:00Z"}, "ends", 400),
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at", 422),
        (
            {"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
            "ends_at",
            422,
        ),
    ],
)
def test_bad_closure_is_refused_naming_the_field(client, muara_enim, change, field, status):
    _user, token = muara_enim
    body = {"office": "muara-enim", "reason": "Banjir", **change}
    response = send(client, "post", "/api/v1/closures/", token, body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["field"] == field
    assert not OfficeClosure.objects.exists()


def test_office_staff_may_not_declare_a_system_state(client, muara_enim):
    _user, token = muara_enim
    response = send(
        client,
        "put",
        "/api/v1/systems/pdn/declaration/",
        token,
        {"state": "down", "reason": "Ransomware"},
    )
    assert response.status_code == 403
    assert UpstreamSystem.objects.get(code="pdn").manual_state == ""


def test_declaring_a_system_state_wins_over_the_poller_and_is_audited(client, superuser):
    user, token = superuser
    response = send(
        client,
        "put",
        "/api/v1/systems/pdn/declaration/",
        token,
        {"state": "down", "reason": "Ransomware"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == SystemState.DOWN and body["source"] == "manual"
    assert body["manual_actor"] == "pusat" and body["manual_reason"] == "Ransomware"
    assert stage_state(client, "palembang", "interview")["state"] == StageState.CLOSED
    event = StatusEvent.objects.get(system__code="pdn", new_state=SystemState.DOWN)
    assert event.cause == Cause.DECLARATION and event.actor == user
    cleared = send(client, "delete", "/api/v1/systems/pdn/declaration/", token)
    assert cleared.status_code == 200 and cleared.json()["source"] == "poller"
    assert stage_state(client, "palembang", "interview")["state"] == StageState.OPEN


def test_regional_staff_with_the_permission_may_declare(client):
    user, token = staff_token("staf-kanwil")
    user.user_permissions.add(Permission.objects.get(codename="change_upstreamsystem"))
    response = send(
        client,
        "put",
        "/api/v1/systems/cekal/declaration/",
        token,
        {"state": "degraded", "reason": "Lambat"},
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/v1/systems/simkim/declaration/", {"state": "down", "reason": "x"}, 404, "code"),
        ("/api/v1/systems/pdn/declaration/", {"state": "broken", "reason": "x"}, 400, "state"),
        ("/api/v1/systems/pdn/declaration/", {"state": "down"}, 400, "reason"),
    ],
)
def test_bad_declarations(client, superuser, path, body, status, field):
    _user, token = superuser
    response = send(client, "put", path, token, body)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field


def test_unknown_override_or_closure_id_is_404(client, superuser):
    _user, token = superuser
    for path in ("/api/v1/overrides/999/", "/api/v1/closures/abc/"):
        response = send(client, "delete", path, token)
        assert response.status_code == 404 and response.json()["error"]["field"] == "id"


def test_writes_are_throttled_per_token_with_retry_after(client, settings, muara_enim):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "off", "token-write": "2/min"},
    }
    _user, token = muara_enim
    body = {**CLOSE_PRINTING, "reason": ""}  # refused, but still counted
    statuses = [
        send(client, "post", "/api/v1/overrides/", token, body).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
    refused = send(client, "post", "/api/v1/overrides/", token, body)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    # Another token has its own budget; reads by the same token are not counted.
    _other, other = staff_token("staf-lain", "muara-enim")
    assert send(client, "post", "/api/v1/overrides/", other, body).status_code == 400
    assert send(client, "get", "/api/v1/overrides/", token).status_code == 200


def test_token_issued_in_the_admin_is_shown_once_and_works_only_for_its_office(client):
    admin_user = get_user_model().objects.create_superuser("admin", password="pw-admin-12345")
    staff, _unused = staff_token("staf-me", "muara-enim")
    client.force_login(admin_user)
    response = client.post(
        "/admin/portal/apitoken/add/", {"name": "Layar bandara", "owner": staff.pk}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get(name="Layar bandara")
    assert token.owner == staff and token.digest == ApiToken.digest_of(secret)
    change_page = client.get(f"/admin/portal/apitoken/{token.pk}/change/").content.decode()
    assert secret not in change_page and token.hint in change_page
    client.logout()
    own = send(client, "post", "/api/v1/overrides/", secret, CLOSE_PRINTING)
    other = send(
        client, "post", "/api/v1/overrides/", secret, {**CLOSE_PRINTING, "office": "palembang"}
    )
    assert (own.status_code, other.status_code) == (201, 403)


def test_staff_may_issue_tokens_only_for_themselves(client):
    staff, _unused = staff_token("staf-sendiri", "muara-enim")
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="apitoken"))
    boss = get_user_model().objects.create_superuser("boss", password=None)
    client.force_login(staff)
    response = client.post("/admin/portal/apitoken/add/", {"name": "x", "owner": boss.pk})
    assert response.status_code == 200  # the form is shown again with an error
    assert not ApiToken.objects.filter(owner=boss).exists()


def test_an_unknown_field_is_refused_naming_it_in_the_requested_language(client, muara_enim):
    _user, token = muara_enim
    body = {**CLOSE_PRINTING, "expiry": "2030-01-01T00:00:00Z"}
    for query, words in (("?lang=en", "Unknown field"), ("?lang=id", "Kolom tidak dikenal")):
        response = send(client, "post", f"/api/v1/overrides/{query}", token, body)
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["field"] == "expiry" and words in error["message"], error
    by_header = client.post(
        "/api/v1/overrides/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Unknown field" in by_header.json()["error"]["message"]
    assert not Override.objects.exists()


def test_a_framework_message_follows_the_language_too(client, muara_enim):
    _user, token = muara_enim
    body = {**CLOSE_PRINTING, "state": None}
    english = send(client, "post", "/api/v1/overrides/?lang=en", token, body).json()["error"]
    indonesian = send(client, "post", "/api/v1/overrides/?lang=id", token, body).json()["error"]
    assert english["field"] == indonesian["field"] == "state"
    assert english["message"] == "This field may not be null."
    assert indonesian["message"] != english["message"]


def test_an_override_ended_is_gone_but_deleting_again_changes_nothing(client, muara_enim):
    _user, token = muara_enim
    created = send(client, "post", "/api/v1/overrides/", token, CLOSE_PRINTING).json()
    path = f"/api/v1/overrides/{created['id']}/"
    assert send(client, "get", path, token).status_code == 200
    assert send(client, "delete", path, token).status_code == 200
    gone = send(client, "get", path, token)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "gone"
    again = send(client, "delete", path, token)
    assert again.status_code == 200 and again.json()["cleared_at"] == gone_cleared(created)


def gone_cleared(created: dict) -> str:
    return (
        Override.objects.get(pk=created["id"])
        .cleared_at.astimezone(timezone.get_current_timezone())
        .isoformat()
    )


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "The expiry must be in the future."), ("id", "Waktu berakhir harus di masa depan.")],
)
def test_a_domain_rule_is_said_in_the_requested_language(client, muara_enim, lang, message):
    _user, token = muara_enim
    body = {**CLOSE_PRINTING, "expires_at": "2020-01-01T00:00:00+07:00"}
    response = send(client, "post", f"/api/v1/overrides/?lang={lang}", token, body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "unprocessable",
        "message": message,
        "field": "expires_at",
    }
