"""Every write path checks office scope: each is tried as the wrong office and as anonymous.

The doors are the shared write functions (``services.overrides``), the admin (crafted
POSTs to add views and bulk actions), the API's write endpoints (a Muara Enim token against
Palembang) and the management commands. Each refusal must leave everything as it was; the
same write by Palembang's own staff goes through, so the refusals are about scope.

The management commands are not office-scoped, by design: ``pdn`` drives the simulated
upstream (as the real PDN would change; the poller then reads it like any upstream, and it
writes no office state itself), ``ensure_admin`` creates the embedded run's accounts and
refuses to run in production, ``seed_demo`` makes synthetic offices and refuses real data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command, get_commands
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.models import Office, OfficeClosure
from portal.models import ApiToken
from services import overrides
from services.choices import ForcedState, SystemState
from services.models import CurrentState, Override, SimulatedPdn, Stage, StatusEvent, UpstreamSystem
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db

REASON = "Uji batas wewenang kantor"


@pytest.fixture
def palembang() -> Office:
    return Office.objects.get(code="palembang")


@pytest.fixture
def palembang_staff() -> User:
    return office_staff("staff-palembang", "palembang")


@pytest.fixture
def muara_enim_staff() -> User:
    return office_staff("staff-muara-enim", "muara-enim")


@pytest.fixture
def standing(palembang, palembang_staff) -> dict:
    """A Palembang override and closure in force, made by Palembang's staff."""
    printing = Stage.objects.get(code="printing")
    return {
        "override": overrides.create_override(
            palembang,
            stage=printing,
            state=ForcedState.CLOSED,
            reason=REASON,
            actor=palembang_staff,
        ),
        "closure": overrides.close_office(
            palembang,
            reason=REASON,
            starts_at=timezone.now() + timedelta(days=1),
            actor=palembang_staff,
        ),
    }


def world() -> tuple:
    """Everything a write could change."""
    return (
        list(Override.objects.values_list("pk", "cleared_at")),
        list(OfficeClosure.objects.values_list("pk", "cleared_at")),
        StatusEvent.objects.count(),
        list(CurrentState.objects.values_list("pk", "state")),
        list(UpstreamSystem.objects.values_list("code", "manual_state", "state")),
    )


# --- The shared write functions ----------------------------------------------------------------

WRITES: dict[str, Callable[[User, dict], object]] = {
    "create_override": lambda actor, s: overrides.create_override(
        s["override"].office,
        stage=Stage.objects.get(code="photo"),
        state=ForcedState.CLOSED,
        reason=REASON,
        actor=actor,
    ),
    "create_overrides": lambda actor, s: overrides.create_overrides(
        Office.objects.all(),
        stage=Stage.objects.get(code="photo"),
        state=ForcedState.CLOSED,
        reason=REASON,
        actor=actor,
    ),
    "clear_override": lambda actor, s: overrides.clear_override(s["override"], actor=actor),
    "clear_overrides": lambda actor, s: overrides.clear_overrides([s["override"]], actor=actor),
    "clear_office_overrides": lambda actor, s: overrides.clear_office_overrides(
        [s["override"].office], actor=actor
    ),
    "close_office": lambda actor, s: overrides.close_office(
        s["closure"].office, reason=REASON, starts_at=timezone.now(), actor=actor
    ),
    "close_offices": lambda actor, s: overrides.close_offices(
        Office.objects.all(), reason=REASON, starts_at=timezone.now(), actor=actor
    ),
    "end_closure": lambda actor, s: overrides.end_closure(s["closure"], actor=actor),
    "end_closures": lambda actor, s: overrides.end_closures([s["closure"]], actor=actor),
    "declare_system": lambda actor, s: overrides.declare_system(
        UpstreamSystem.objects.get(code="pdn"), state=SystemState.DOWN, reason=REASON, actor=actor
    ),
    "clear_declaration": lambda actor, s: overrides.clear_declaration(
        UpstreamSystem.objects.get(code="pdn"), actor=actor
    ),
}
# Writes the region's staff make: declaring a system's state concerns every office (regional
# staff only), and these bulk writes touch both offices.
REGIONAL_WRITES = {"declare_system", "clear_declaration", "create_overrides", "close_offices"}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_function_refuses_another_office_and_anonymous(
    write, standing, muara_enim_staff
):
    before = world()
    for actor in (muara_enim_staff, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            WRITES[write](actor, standing)
        assert world() == before, f"{write} as {actor} changed something"


@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_function_lets_the_office_in_scope_through(write, standing, palembang_staff):
    actor = regional_staff("kanwil-sumsel") if write in REGIONAL_WRITES else palembang_staff
    if write == "clear_declaration":
        WRITES["declare_system"](actor, standing)
    before = world()
    WRITES[write](actor, standing)
    assert world() != before


# --- The admin ----------------------------------------------------------------------------------


def admin_posts(standing: dict) -> list[tuple[str, dict]]:
    """Crafted POSTs that would change Palembang: add views and bulk actions."""
    office = standing["override"].office
    action = {"index": "0", "select_across": "0", "confirm": "yes"}
    stage = Stage.objects.get(code="photo")
    return [
        (
            reverse("admin:services_override_add"),
            {"offices": [office.pk], "stage": stage.pk, "state": "closed", "reason": REASON},
        ),
        (
            reverse("admin:offices_officeclosure_add"),
            {"offices": [office.pk], "reason": REASON, "starts_at": "2030-01-01T08:00"},
        ),
        (
            reverse("admin:services_override_changelist"),
            {**action, "action": "clear_selected", "_selected_action": [standing["override"].pk]},
        ),
        (
            reverse("admin:offices_officeclosure_changelist"),
            {**action, "action": "end_selected", "_selected_action": [standing["closure"].pk]},
        ),
        (
            reverse("admin:offices_office_changelist"),
            {
                **action,
                "action": "close_printing",
                "_selected_action": [office.pk],
                "reason": REASON,
            },
        ),
        (
            reverse("admin:offices_office_changelist"),
            {**action, "action": "clear_all_overrides", "_selected_action": [office.pk]},
        ),
        (
            reverse("admin:services_upstreamsystem_changelist"),
            {
                **action,
                "action": "declare_state",
                "_selected_action": [UpstreamSystem.objects.get(code="pdn").pk],
                "state": "down",
                "reason": REASON,
            },
        ),
    ]


def test_admin_posts_as_another_office_or_anonymous_change_nothing(standing, muara_enim_staff):
    staff = Client()
    staff.force_login(muara_enim_staff)
    before = world()
    for url, data in admin_posts(standing):
        response = staff.post(url, data)
        assert response.status_code in (200, 302, 403), url
        assert world() == before, f"{url} {data.get('action', 'add')} changed something"
        anonymous = Client().post(url, data)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
        assert world() == before


def test_admin_add_by_the_office_in_scope_goes_through(standing, palembang_staff):
    staff = Client()
    staff.force_login(palembang_staff)
    url, data = admin_posts(standing)[0]
    assert staff.post(url, data).status_code == 302
    assert Override.objects.filter(stage__code="photo", actor=palembang_staff).count() == 1


# --- The API ------------------------------------------------------------------------------------


def api_writes(standing: dict) -> list[tuple[str, str, dict | None]]:
    override, closure = standing["override"], standing["closure"]
    return [
        (
            "post",
            "/api/v1/overrides/",
            {"office": "palembang", "stage": "photo", "state": "closed", "reason": REASON},
        ),
        ("delete", f"/api/v1/overrides/{override.pk}/", None),
        ("post", "/api/v1/closures/", {"office": "palembang", "reason": REASON}),
        ("delete", f"/api/v1/closures/{closure.pk}/", None),
        ("put", "/api/v1/systems/pdn/declaration/", {"state": "down", "reason": REASON}),
        ("delete", "/api/v1/systems/pdn/declaration/", None),
    ]


def api_call(client: Client, method: str, url: str, body: dict | None, secret: str = ""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return getattr(client, method)(url, body, content_type="application/json", **headers)


def test_api_writes_with_another_offices_token_or_none_are_refused(standing, muara_enim_staff):
    _, secret = ApiToken.issue(muara_enim_staff, "Muara Enim counter display")
    client = Client()
    before = world()
    for method, url, body in api_writes(standing):
        response = api_call(client, method, url, body, secret)
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
        assert world() == before, f"{method} {url} changed something"
        anonymous = api_call(client, method, url, body)
        assert anonymous.status_code == 401, (method, url, anonymous.content)
        assert world() == before


def test_api_write_with_the_offices_own_token_goes_through(standing, palembang_staff):
    _, secret = ApiToken.issue(palembang_staff, "Palembang counter display")
    method, url, body = api_writes(standing)[0]
    response = api_call(Client(), method, url, body, secret)
    assert response.status_code == 201, response.content
    assert Override.objects.get(pk=response.json()["id"]).actor == palembang_staff


# --- Management commands ------------------------------------------------------------------------

# Every command of the project's apps, and why it needs no office scope (see the docstring).
COMMANDS = {"pdn", "ensure_admin", "seed_demo"}


def test_every_management_command_is_accounted_for():
    ours = {
        name for name, app in get_commands().items() if app in {"offices", "services", "portal"}
    }
    assert ours == COMMANDS


def test_the_pdn_command_changes_the_simulated_upstream_and_no_office_state(standing):
    before = world()
    call_command("pdn", "set", "down", "--cekal", "down")
    assert (SimulatedPdn.load().status, SimulatedPdn.load().cekal) == ("down", "down")
    assert world() == before  # offices change only when the poller reads it


def test_ensure_admin_refuses_to_run_in_production(settings):
    settings.EMBEDDED = False
    with pytest.raises(CommandError, match="embedded"):
        call_command("ensure_admin")
    assert not User.objects.exists()
