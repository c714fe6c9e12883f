"""Every admin page answers each role without an error; the simulator is the Kanwil's to drive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.models import Office
from portal.models import Advisory
from services import overrides
from services.choices import FaultMode, ForcedState, SystemState
from services.models import Override, SimulatedPdn, Stage
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def some_history():
    """An override, a closure and an advisory, so lists and filters have rows to show."""
    palembang = Office.objects.get(code="palembang")
    overrides.create_override(
        palembang,
        stage=Stage.objects.get(code="printing"),
        state=ForcedState.CLOSED,
        reason="Printer rusak",
        expires_at=timezone.now() + timedelta(days=1),
    )
    overrides.close_office(palembang, reason="Libur", starts_at=timezone.now() + timedelta(days=2))
    Advisory.objects.create(title_id="Gangguan PDN").offices.add(palembang)


def accounts() -> dict[str, User]:
    return {
        "office": office_staff("staff-palembang", "palembang"),
        "regional": regional_staff("kanwil-sumsel"),
        "superuser": User.objects.create_superuser("root", "", "x"),
    }


def admin_urls() -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:audit")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model._default_manager.first()
        if first is not None:
            urls.append(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            )
    return urls


@pytest.mark.parametrize("role", ["office", "regional", "superuser"])
def test_every_admin_page_answers_without_error(role):
    client = Client()
    client.force_login(accounts()[role])
    for url in admin_urls():
        status = client.get(url).status_code
        assert status in (200, 302, 403), f"{url} answered {status} to {role}"


@pytest.mark.parametrize(
    "query",
    [
        {"active": "yes"},
        {"active": "expired"},
        {"active": "cleared"},
        {"office": "palembang"},
        {"office": "nowhere"},
        {"q": "rusak"},
        {"state": "closed"},
    ],
)
def test_override_list_filters_and_search_answer(query):
    client = Client()
    client.force_login(office_staff("staff-palembang", "palembang"))
    response = client.get(reverse("admin:services_override_changelist"), query)
    assert response.status_code in (200, 302)


def test_active_filter_separates_live_and_cleared_overrides():
    client = Client()
    client.force_login(regional_staff("kanwil-sumsel"))
    url = reverse("admin:services_override_changelist")
    assert len(client.get(url, {"active": "yes"}).context["cl"].result_list) == 1
    overrides.clear_office_overrides(Office.objects.all())
    assert len(client.get(url, {"active": "yes"}).context["cl"].result_list) == 0
    assert len(client.get(url, {"active": "cleared"}).context["cl"].result_list) == 1


def test_override_list_shows_state_as_icon_and_word():
    client = Client()
    client.force_login(office_staff("staff-palembang", "palembang"))
    page = client.get(reverse("admin:services_override_changelist")).text
    assert "✕</span> Tutup" in page and "Berlaku" in page


def test_regional_staff_toggle_the_simulated_pdn_and_its_fault_mode():
    pdn = SimulatedPdn.load()
    client = Client()
    client.force_login(regional_staff("kanwil-sumsel"))
    url = reverse("admin:services_simulatedpdn_change", args=[pdn.pk])
    response = client.post(
        url, {"status": SystemState.DOWN, "cekal": SystemState.DOWN, "fault": FaultMode.GARBAGE}
    )
    assert response.status_code == 302
    pdn.refresh_from_db()
    assert (pdn.status, pdn.cekal, pdn.fault) == ("down", "down", "garbage")


def test_office_staff_cannot_touch_the_simulator():
    pdn = SimulatedPdn.load()
    client = Client()
    client.force_login(office_staff("staff-palembang", "palembang"))
    url = reverse("admin:services_simulatedpdn_change", args=[pdn.pk])
    assert client.post(url, {"status": "down", "cekal": "up", "fault": "none"}).status_code == 403
    pdn.refresh_from_db()
    assert pdn.status == SystemState.UP


def test_an_override_cleaned_by_the_expiry_task_is_listed_as_expired_not_cleared():
    # A day has passed: the override's expiry is behind us when the task runs.
    Override.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert overrides.expire_overrides() == 1
    client = Client()
    client.force_login(regional_staff("kanwil-sumsel"))
    url = reverse("admin:services_override_changelist")
    assert len(client.get(url, {"active": "expired"}).context["cl"].result_list) == 1
    assert len(client.get(url, {"active": "cleared"}).context["cl"].result_list) == 0
    assert "Kedaluwarsa" in client.get(url).text
