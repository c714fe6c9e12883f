"""Admin forms and bulk actions: clear errors for bad input, immediate effect for good input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.models import Office, OfficeClosure
from services.choices import SystemState
from services.models import Override, Service, Stage
from tests.factories import set_systems
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db

ADD_OVERRIDE = "admin:services_override_add"
ADD_CLOSURE = "admin:offices_officeclosure_add"


def local(moment) -> str:
    """A date-time as the browser's picker sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def systems_up():
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)


@pytest.fixture
def palembang_client() -> Client:
    client = Client()
    client.force_login(office_staff("staff-palembang", "palembang"))
    return client


@pytest.fixture
def palembang() -> Office:
    return Office.objects.get(code="palembang")


def override_form(office: Office, **fields) -> dict:
    return {
        "offices": [office.pk],
        "stage": Stage.objects.get(code="printing").pk,
        "state": "closed",
        "reason": "Mesin cetak rusak",
        **fields,
    }


def form_errors(response) -> dict:
    assert response.status_code == 200, "an invalid form is shown again, not saved"
    return response.context["adminform"].form.errors


def api_stage(client: Client, office: str, stage: str) -> dict:
    document = client.get("/api/v1/status/").json()
    entry = next(o for o in document["offices"] if o["code"] == office)
    return next(s for s in entry["stages"] if s["code"] == stage)


# --- Bad input ------------------------------------------------------------------------------


def test_override_without_reason_is_a_form_error(palembang_client, palembang):
    response = palembang_client.post(reverse(ADD_OVERRIDE), override_form(palembang, reason=""))
    assert "reason" in form_errors(response)
    assert not Override.objects.exists()


def test_override_expiring_in_the_past_is_a_form_error(palembang_client, palembang):
    past = local(timezone.now() - timedelta(hours=1))
    response = palembang_client.post(
        reverse(ADD_OVERRIDE), override_form(palembang, expires_at=past)
    )
    assert form_errors(response)["expires_at"] == [
        "Pilih waktu berakhir yang belum lewat, atau kosongkan."
    ]
    assert not Override.objects.exists()


def test_override_of_a_service_the_office_does_not_offer_is_a_form_error():
    client = Client()
    client.force_login(office_staff("staff-muara-enim", "muara-enim"))
    muara_enim = Office.objects.get(code="muara-enim")
    hajj = Service.objects.get(code="hajj-debarkation")
    response = client.post(
        reverse(ADD_OVERRIDE), override_form(muara_enim, stage="", service=hajj.pk, state="open")
    )
    assert "tidak melayani Debarkasi haji: pilih layanan" in form_errors(response)["service"][0]
    assert not Override.objects.exists()


def test_override_with_both_stage_and_service_is_a_form_error(palembang_client, palembang):
    express = Service.objects.get(code="passport-express")
    response = palembang_client.post(
        reverse(ADD_OVERRIDE), override_form(palembang, service=express.pk)
    )
    assert "stage" in form_errors(response)
    assert not Override.objects.exists()


def test_closure_ending_before_it_starts_is_a_form_error(palembang_client, palembang):
    start = timezone.now() + timedelta(days=1)
    response = palembang_client.post(
        reverse(ADD_CLOSURE),
        {
            "offices": [palembang.pk],
            "reason": "Banjir",
            "starts_at": local(start),
            "ends_at": local(start - timedelta(hours=2)),
        },
    )
    assert form_errors(response)["ends_at"] == [
        "Pilih waktu selesai sesudah waktu mulai, atau kosongkan."
    ]
    assert not OfficeClosure.objects.exists()


def test_closure_without_reason_is_a_form_error(palembang_client, palembang):
    response = palembang_client.post(
        reverse(ADD_CLOSURE),
        {"offices": [palembang.pk], "reason": "", "starts_at": local(timezone.now())},
    )
    assert "reason" in form_errors(response)
    assert not OfficeClosure.objects.exists()


def test_malformed_expiry_is_a_form_error_not_a_crash(palembang_client, palembang):
    response = palembang_client.post(
        reverse(ADD_OVERRIDE), override_form(palembang, expires_at="besok pagi")
    )
    assert "expires_at" in form_errors(response)


# --- Good input -----------------------------------------------------------------------------


def test_saved_override_shows_in_the_api_on_the_next_request(palembang_client, palembang):
    assert api_stage(palembang_client, "palembang", "printing")["state"] == "open"
    response = palembang_client.post(reverse(ADD_OVERRIDE), override_form(palembang))
    assert response.status_code == 302
    stage = api_stage(palembang_client, "palembang", "printing")
    assert (stage["state"], stage["reason"]) == ("closed", "Mesin cetak rusak")
    assert "Mesin cetak rusak" in palembang_client.get("/").text


def test_saved_override_is_logged_with_its_reason(palembang_client, palembang):
    palembang_client.post(reverse(ADD_OVERRIDE), override_form(palembang))
    override = Override.objects.get()
    assert override.actor.username == "staff-palembang"
    entry = LogEntry.objects.get(object_id=str(override.pk))
    assert entry.action_flag == ADDITION and entry.user.username == "staff-palembang"
    assert "Mesin cetak rusak" in entry.get_change_message()


def test_regional_staff_override_several_offices_at_once():
    client = Client()
    client.force_login(regional_staff("kanwil-sumsel"))
    offices = list(Office.objects.all())
    express = Service.objects.get(code="passport-express")
    response = client.post(
        reverse(ADD_OVERRIDE),
        {
            "offices": [o.pk for o in offices],
            "service": express.pk,
            "state": "closed",
            "reason": "Menunggu PDN pulih penuh",
            "expires_at": local(timezone.now() + timedelta(days=10)),
        },
    )
    assert response.status_code == 302
    assert Override.objects.filter(service=express).count() == len(offices)
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == len(offices)


def test_add_form_can_be_prefilled_with_an_office(palembang_client, palembang):
    response = palembang_client.get(reverse(ADD_OVERRIDE), {"offices": str(palembang.pk)})
    assert response.context["adminform"].form.initial["offices"] == [str(palembang.pk)]


def test_closure_closes_every_stage_at_once(palembang_client, palembang):
    response = palembang_client.post(
        reverse(ADD_CLOSURE),
        {
            "offices": [palembang.pk],
            "reason": "Listrik padam",
            "starts_at": local(timezone.now() - timedelta(minutes=1)),
        },
    )
    assert response.status_code == 302
    stage = api_stage(palembang_client, "palembang", "interview")
    assert (stage["state"], stage["reason"]) == ("closed", "Listrik padam")


def test_close_printing_action_asks_for_a_reason_then_applies(palembang_client, palembang):
    url = reverse("admin:offices_office_changelist")
    data = {"action": "close_printing", "_selected_action": [palembang.pk]}

    confirmation = palembang_client.post(url, {**data, "index": 0})
    assert confirmation.status_code == 200
    assert "Tutup pencetakan" in confirmation.text
    assert not Override.objects.exists()

    refused = palembang_client.post(url, {**data, "confirm": "yes", "reason": ""})
    assert "reason" in refused.context["form"].errors
    assert not Override.objects.exists()

    done = palembang_client.post(url, {**data, "confirm": "yes", "reason": "Blangko paspor habis"})
    assert done.status_code == 302
    stage = api_stage(palembang_client, "palembang", "printing")
    assert (stage["state"], stage["reason"]) == ("closed", "Blangko paspor habis")


def test_clear_all_overrides_action_reopens_the_office(palembang_client, palembang):
    palembang_client.post(reverse(ADD_OVERRIDE), override_form(palembang))
    url = reverse("admin:offices_office_changelist")
    palembang_client.post(
        url, {"action": "clear_all_overrides", "_selected_action": [palembang.pk], "confirm": "yes"}
    )
    assert api_stage(palembang_client, "palembang", "printing")["state"] == "open"
    assert Override.objects.get().cleared_by.username == "staff-palembang"


def test_ending_a_closure_from_the_admin_reopens_the_office(palembang_client, palembang):
    palembang_client.post(
        reverse(ADD_CLOSURE),
        {"offices": [palembang.pk], "reason": "Listrik padam", "starts_at": local(timezone.now())},
    )
    closure = OfficeClosure.objects.get()
    palembang_client.post(
        reverse("admin:offices_officeclosure_changelist"),
        {"action": "end_selected", "_selected_action": [closure.pk], "confirm": "yes"},
    )
    assert api_stage(palembang_client, "palembang", "interview")["state"] == "open"
    closure.refresh_from_db()
    assert closure.cleared_at is not None


# --- Office settings: time zone and opening hours --------------------------------------------


def office_form(office: Office, **changes) -> dict:
    """The office change form as the admin page posts it, with ``changes``."""
    import json

    data = {
        "code": office.code,
        "name": office.name,
        "office_class": office.office_class,
        "tpi": "on" if office.tpi else "",
        "region": office.region_id,
        "address": office.address,
        "timezone": office.timezone,
        "opening_hours": json.dumps(office.opening_hours),
        "position": office.position,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"timezone": "Asia/Jakrta"}, "timezone", "Asia/Jakrta bukan salah satu"),
        ({"opening_hours": '{"mon": "08:00-16:00"}'}, "opening_hours", 'mon: give ["08:00"'),
        ({"opening_hours": '{"mon": ["16:00", "08:00"]}'}, "opening_hours", "opening before"),
        ({"opening_hours": '{"monday": ["08:00", "16:00"]}'}, "opening_hours", "not a weekday"),
        ({"opening_hours": '["08:00", "16:00"]'}, "opening_hours", "an object by weekday"),
    ],
)
def test_office_settings_the_pages_cannot_read_are_form_errors(
    admin_client, changes, field, message
):
    office = Office.objects.get(code="palembang")
    before = (office.timezone, office.opening_hours)
    url = reverse("admin:offices_office_change", args=[office.pk])
    response = admin_client.post(url, office_form(office, **changes))
    assert response.status_code == 200  # the form again, with its errors
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors[field])
    assert message in errors.replace("&quot;", '"')
    office.refresh_from_db()
    assert (office.timezone, office.opening_hours) == before


def test_an_office_in_another_time_zone_with_a_midday_break_is_saved(admin_client, client):
    office = Office.objects.get(code="palembang")
    hours = (
        '{"mon": [["08:00", "12:00"], ["13:00", "16:00"]], "fri": ["08:00", "11:30"], "sat": null}'
    )
    url = reverse("admin:offices_office_change", args=[office.pk])
    response = admin_client.post(
        url, office_form(office, timezone="Asia/Makassar", opening_hours=hours)
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.timezone == "Asia/Makassar"
    assert office.opening_hours["mon"] == [["08:00", "12:00"], ["13:00", "16:00"]]
    page = client.get("/kantor/palembang/")
    assert page.status_code == 200
    assert "08.00–12.00" in page.content.decode()
