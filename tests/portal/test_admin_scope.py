"""Office scope in the admin: lists, change forms, bulk actions and crafted POSTs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.models import Office, OfficeClosure
from services import overrides
from services.choices import ForcedState, SystemState
from services.models import Override, Stage, UpstreamSystem
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:services_override_changelist"


@pytest.fixture
def palembang_override() -> Override:
    """Express kept closed at Palembang by its own staff."""
    return overrides.create_override(
        Office.objects.get(code="palembang"),
        stage=Stage.objects.get(code="printing"),
        state=ForcedState.CLOSED,
        reason="Printer Palembang rusak",
        actor=office_staff("staff-palembang", "palembang"),
    )


@pytest.fixture
def muara_enim_client() -> Client:
    client = Client()
    client.force_login(office_staff("staff-muara-enim", "muara-enim"))
    return client


@pytest.fixture
def kanwil_client() -> Client:
    client = Client()
    client.force_login(regional_staff("kanwil-sumsel"))
    return client


def test_anonymous_users_are_sent_to_the_login_page(client, palembang_override):
    for url in (
        reverse(CHANGELIST),
        reverse("admin:services_override_change", args=[palembang_override.pk]),
        reverse("admin:audit"),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_other_office_staff_do_not_see_the_override_in_the_list(
    muara_enim_client, palembang_override
):
    response = muara_enim_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "Printer Palembang rusak" not in response.text
    assert list(response.context["cl"].result_list) == []


def test_other_office_staff_cannot_open_the_override(muara_enim_client, palembang_override):
    url = reverse("admin:services_override_change", args=[palembang_override.pk])
    response = muara_enim_client.get(url)
    assert response.status_code == 302  # "does not exist" as far as this account knows
    assert "Printer Palembang rusak" not in muara_enim_client.get(response["Location"]).text


def test_other_office_staff_cannot_clear_it_through_the_bulk_action(
    muara_enim_client, palembang_override
):
    data = {"action": "clear_selected", "_selected_action": [palembang_override.pk]}
    muara_enim_client.post(reverse(CHANGELIST), {**data, "index": 0})
    muara_enim_client.post(reverse(CHANGELIST), {**data, "confirm": "yes"})
    palembang_override.refresh_from_db()
    assert palembang_override.cleared_at is None


def test_other_office_staff_cannot_clear_it_through_the_office_action(
    muara_enim_client, palembang_override
):
    palembang = Office.objects.get(code="palembang")
    muara_enim_client.post(
        reverse("admin:offices_office_changelist"),
        {"action": "clear_all_overrides", "_selected_action": [palembang.pk], "confirm": "yes"},
    )
    palembang_override.refresh_from_db()
    assert palembang_override.cleared_at is None


def test_crafted_post_to_the_change_form_changes_nothing(muara_enim_client, palembang_override):
    url = reverse("admin:services_override_change", args=[palembang_override.pk])
    muara_enim_client.post(url, {"state": "open", "reason": "dibuka paksa"})
    palembang_override.refresh_from_db()
    assert (palembang_override.state, palembang_override.reason) == (
        "closed",
        "Printer Palembang rusak",
    )


def test_crafted_add_for_another_office_is_refused(muara_enim_client):
    palembang = Office.objects.get(code="palembang")
    response = muara_enim_client.post(
        reverse("admin:services_override_add"),
        {
            "offices": [palembang.pk],
            "stage": Stage.objects.get(code="printing").pk,
            "state": "closed",
            "reason": "bukan kantor saya",
        },
    )
    assert response.status_code == 200
    assert "offices" in response.context["adminform"].form.errors
    assert not Override.objects.exists()


def test_crafted_office_action_for_another_office_creates_nothing(muara_enim_client):
    palembang = Office.objects.get(code="palembang")
    muara_enim_client.post(
        reverse("admin:offices_office_changelist"),
        {
            "action": "close_printing",
            "_selected_action": [palembang.pk],
            "confirm": "yes",
            "reason": "bukan kantor saya",
        },
    )
    assert not Override.objects.exists()


def test_crafted_closure_for_another_office_is_refused(muara_enim_client):
    palembang = Office.objects.get(code="palembang")
    response = muara_enim_client.post(
        reverse("admin:offices_officeclosure_add"),
        {
            "offices": [palembang.pk],
            "reason": "bukan kantor saya",
            "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert not OfficeClosure.objects.exists()


def test_office_choices_offer_only_the_users_offices(muara_enim_client):
    response = muara_enim_client.get(reverse("admin:services_override_add"))
    offices = response.context["adminform"].form.fields["offices"].queryset
    assert list(offices.values_list("code", flat=True)) == ["muara-enim"]


def test_office_list_shows_only_the_users_offices(muara_enim_client):
    response = muara_enim_client.get(reverse("admin:offices_office_changelist"))
    assert [o.code for o in response.context["cl"].result_list] == ["muara-enim"]


def test_regional_staff_see_and_clear_any_office_of_their_region(kanwil_client, palembang_override):
    response = kanwil_client.get(reverse(CHANGELIST))
    assert "Printer Palembang rusak" in response.text
    data = {"action": "clear_selected", "_selected_action": [palembang_override.pk]}
    confirmation = kanwil_client.post(reverse(CHANGELIST), {**data, "index": 0})
    assert confirmation.status_code == 200
    assert "Cabut penetapan" in confirmation.text
    palembang_override.refresh_from_db()
    assert palembang_override.cleared_at is None  # not before confirming
    kanwil_client.post(reverse(CHANGELIST), {**data, "confirm": "yes"})
    palembang_override.refresh_from_db()
    assert palembang_override.cleared_at is not None


def test_overrides_are_never_deleted_nor_edited(kanwil_client, palembang_override):
    url = reverse("admin:services_override_delete", args=[palembang_override.pk])
    assert kanwil_client.post(url, {"post": "yes"}).status_code == 403
    change = reverse("admin:services_override_change", args=[palembang_override.pk])
    assert kanwil_client.post(change, {"reason": "diubah"}).status_code == 403
    palembang_override.refresh_from_db()
    assert palembang_override.reason == "Printer Palembang rusak"


def test_office_staff_cannot_declare_a_system_state(muara_enim_client):
    pdn = UpstreamSystem.objects.get(code="pdn")
    muara_enim_client.post(
        reverse("admin:services_upstreamsystem_changelist"),
        {
            "action": "declare_state",
            "_selected_action": [pdn.pk],
            "confirm": "yes",
            "state": "down",
            "reason": "coba",
        },
    )
    pdn.refresh_from_db()
    assert pdn.manual_state == ""


def test_regional_staff_declare_and_clear_a_system_state(kanwil_client):
    pdn = UpstreamSystem.objects.get(code="pdn")
    url = reverse("admin:services_upstreamsystem_changelist")
    data = {"action": "declare_state", "_selected_action": [pdn.pk], "confirm": "yes"}
    response = kanwil_client.post(url, {**data, "state": "down", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    kanwil_client.post(url, {**data, "state": "down", "reason": "PDN diserang ransomware"})
    pdn.refresh_from_db()
    assert (pdn.manual_state, pdn.manual_reason) == (SystemState.DOWN, "PDN diserang ransomware")
    status = kanwil_client.get("/api/v1/status/").json()
    system = next(s for s in status["systems"] if s["code"] == "pdn")
    assert (system["state"], system["source"]) == ("down", "manual")
    kanwil_client.post(
        url, {"action": "clear_declarations", "_selected_action": [pdn.pk], "confirm": "yes"}
    )
    pdn.refresh_from_db()
    assert pdn.manual_state == ""
