"""The admin home shows the live status of the user's offices; the audit view says who and why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from offices.models import Office
from services import overrides
from services.choices import ForcedState, SystemState
from services.models import Override, Service
from services.snapshot import published
from tests.factories import set_systems
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def partial_outage():
    """PDN degraded, cekal down: printing waits; Palembang staff keep express closed."""
    set_systems(pdn=SystemState.DEGRADED, cekal=SystemState.DOWN)


@pytest.fixture
def palembang_staff():
    return office_staff("staff-palembang", "palembang")


@pytest.fixture
def express_override(palembang_staff):
    return overrides.create_override(
        Office.objects.get(code="palembang"),
        service=Service.objects.get(code="passport-express"),
        state=ForcedState.CLOSED,
        reason="Tetap tutup sampai 1 Juli",
        actor=palembang_staff,
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_shows_each_stage_with_icon_word_and_cause(palembang_staff, express_override):
    page = logged_in(palembang_staff).get(reverse("admin:index")).text
    assert "Kantor Imigrasi Kelas I TPI Palembang" in page
    assert '<span class="sli-name">Pencetakan paspor</span>' in page
    assert "✕</span> Tutup" in page and "✓</span> Buka" in page  # icon and word together
    assert "menunggu PDN (Pusat Data Nasional)" in page  # a system keeps printing closed
    assert "Penetapan staf" in page and "Tetap tutup sampai 1 Juli" in page


def test_home_shows_only_the_users_offices():
    page = logged_in(office_staff("staff-muara-enim", "muara-enim")).get(reverse("admin:index"))
    assert "Muara Enim" in page.text
    assert "Kantor Imigrasi Kelas I TPI Palembang" not in page.text


def test_home_lists_what_the_user_may_act_on_for_regional_staff():
    page = logged_in(regional_staff("kanwil-sumsel")).get(reverse("admin:index")).text
    assert "Palembang" in page and "Muara Enim" in page


def test_audit_view_shows_who_when_and_why(palembang_staff, express_override):
    client = logged_in(palembang_staff)
    client.post(
        reverse("admin:offices_office_changelist"),
        {
            "action": "close_printing",
            "_selected_action": [express_override.office.pk],
            "confirm": "yes",
            "reason": "Blangko habis",
        },
    )
    response = client.get(reverse("admin:audit"), {"office": "palembang"})
    rows = response.context["rows"]
    events = [r for r in rows if r.source.startswith("perubahan status")]
    logs = [r for r in rows if r.source == "log admin"]
    assert any(r.who == "staff-palembang" and r.why == "Tetap tutup sampai 1 Juli" for r in events)
    assert any(r.who == "staff-palembang" and "Blangko habis" in r.why for r in logs)
    assert "Blangko habis" in response.text and "staff-palembang" in response.text


def test_audit_view_filters_by_actor_and_cause(palembang_staff, express_override):
    client = logged_in(palembang_staff)
    by_nobody = client.get(reverse("admin:audit"), {"actor": "someone-else"}).context["rows"]
    assert all(r.who != "staff-palembang" for r in by_nobody)
    overrides_only = client.get(reverse("admin:audit"), {"cause": "override"}).context["rows"]
    assert overrides_only and all("penetapan staf" in r.source for r in overrides_only)


def test_audit_view_hides_other_offices(express_override):
    client = logged_in(office_staff("staff-muara-enim", "muara-enim"))
    assert "Tetap tutup sampai 1 Juli" not in client.get(reverse("admin:audit")).text
    response = client.get(reverse("admin:audit"), {"office": "palembang"})
    assert "office" in response.context["form"].errors
    assert response.context["rows"] == []


@pytest.mark.parametrize(
    "query", [{"since": "kemarin"}, {"since": "2024-06-21", "until": "2024-06-20"}, {"cause": "x"}]
)
def test_audit_view_reports_bad_filters_without_failing(palembang_staff, query):
    response = logged_in(palembang_staff).get(reverse("admin:audit"), query)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_audit_view_needs_the_event_permission():
    user = User.objects.create_user("plain", "", "x", is_staff=True)
    assert logged_in(user).get(reverse("admin:audit")).status_code == 403


def test_history_survives_clearing(palembang_staff):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    published()  # the baseline: everything open
    override = overrides.create_override(
        Office.objects.get(code="palembang"),
        service=Service.objects.get(code="passport-express"),
        state=ForcedState.CLOSED,
        reason="Tetap tutup sampai 1 Juli",
        actor=palembang_staff,
    )
    overrides.clear_override(override, actor=palembang_staff)
    rows = logged_in(palembang_staff).get(reverse("admin:audit")).context["rows"]
    express = [
        r
        for r in rows
        if r.subject == "layanan Paspor percepatan satu hari selesai" and r.who == "staff-palembang"
    ]
    assert len(express) == 2  # closed with its reason, then reopened: both kept
    assert express[-1].why == "Tetap tutup sampai 1 Juli"
    assert Override.objects.filter(pk=override.pk).exists()
