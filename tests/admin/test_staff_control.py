"""The control room as office staff use it: quick actions, sentences for errors, their own
share of an advisory, ending one, their office's time zone, and a way back in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.choices import TimeZone
from offices.models import Office
from portal.choices import AdvisoryPhase
from portal.models import Advisory, AdvisoryUpdate
from services.choices import ForcedState, SystemState
from services.models import Override, Stage
from services.snapshot import published, recompute
from tests.factories import set_systems
from tests.offices.staff import PASSWORD, office_staff, regional_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "blangko-paspor-2024-baru"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def systems_up():
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()


def stage_state(office: str, stage: str) -> str:
    snapshot = published().snapshot
    return next(o for o in snapshot.offices if o.code == office).stage(stage).state


# --- Quick actions --------------------------------------------------------------------------


def quick(office: str, stage: str, action: str) -> str:
    return reverse("admin:quick_stage", args=[office, stage, action])


def test_quick_close_then_reopen_leaves_one_cleared_override_and_an_open_stage():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    response = client.post(quick("palembang", "printing", "close"), {"reason": "Printer rusak"})
    assert response.status_code == 302
    assert stage_state("palembang", "printing") == "closed"
    client.post(quick("palembang", "printing", "reopen"), {"reason": "Printer diperbaiki"})
    assert stage_state("palembang", "printing") == "open"
    # The systems are up: reopening only clears the closing override, forcing nothing open.
    assert [(o.state, o.cleared_at is not None) for o in Override.objects.all()] == [
        (ForcedState.CLOSED, True)
    ]
    log = LogEntry.objects.filter(object_id=str(Override.objects.get().pk))
    assert any("Printer diperbaiki" in entry.change_message for entry in log)


def test_quick_reopen_forces_open_a_stage_the_systems_keep_closed():
    set_systems(pdn=SystemState.DEGRADED, cekal=SystemState.UP)
    recompute()
    assert stage_state("palembang", "printing") == "closed"
    client = logged_in(office_staff("staff-palembang", "palembang"))
    until = timezone.localtime() + timedelta(hours=3)
    client.post(
        quick("palembang", "printing", "reopen"),
        {"reason": "Cetak manual", "expires_at": until.strftime("%Y-%m-%dT%H:%M")},
    )
    assert stage_state("palembang", "printing") == "open"
    override = Override.objects.get()
    assert (override.state, override.reason) == (ForcedState.OPEN, "Cetak manual")
    assert override.expires_at is not None


def test_quick_action_refuses_another_office_and_bad_input_changing_nothing():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    assert client.post(quick("muara-enim", "printing", "close"), {"reason": "x"}).status_code == 404
    assert (
        client.post(quick("palembang", "printing", "explode"), {"reason": "x"}).status_code == 404
    )
    assert client.post(quick("palembang", "nope", "close"), {"reason": "x"}).status_code == 404
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        quick("palembang", "printing", "close"), {"reason": "x", "expires_at": past}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expires_at"] == [
        "Pilih waktu berakhir yang belum lewat, atau kosongkan."
    ]
    assert not Override.objects.exists()


def test_quick_action_needs_the_override_permissions():
    user = User.objects.create_user("viewer", "", "x", is_staff=True)
    response = logged_in(user).post(quick("palembang", "printing", "close"), {"reason": "x"})
    assert response.status_code == 403


# --- Errors as sentences --------------------------------------------------------------------


def test_override_without_stage_or_service_says_what_to_do_not_the_constraint():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    palembang = Office.objects.get(code="palembang")
    response = client.post(
        reverse("admin:services_override_add"),
        {"offices": [palembang.pk], "state": "closed", "reason": "Rusak"},
    )
    errors = response.context["adminform"].form.errors
    assert errors["stage"] == [
        "Pilih tahap atau layanan yang dibuka atau ditutup (salah satu, tidak keduanya)."
    ]
    assert "override_targets_stage_or_service" not in response.text
    assert "Buka atau tutup" in response.text  # the state field says what it forces
    assert not Override.objects.exists()


def test_errors_follow_the_admin_language():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    client.cookies["django_language"] = "en"
    response = client.post(reverse("admin:services_override_add"), {"state": "closed"})
    errors = response.context["adminform"].form.errors
    assert errors["reason"] == ["This field is required."]
    assert errors["stage"] == ["Choose the stage or the service to set (one of them, not both)."]


# --- Advisories: one's own share, and ending -----------------------------------------------


def drafted() -> Advisory:
    """An advisory about both Sumsel offices, as the portal drafts for an outage."""
    advisory = Advisory.objects.create(title_id="Gangguan PDN", title_en="PDN outage")
    advisory.offices.set(Office.objects.filter(code__in=["palembang", "muara-enim"]))
    AdvisoryUpdate.objects.create(
        advisory=advisory, phase="investigating", body_id="Diselidiki", at=timezone.now()
    )
    return advisory


def test_office_staff_publish_their_share_of_a_shared_draft():
    advisory = drafted()
    client = logged_in(office_staff("staff-palembang", "palembang"))
    response = client.post(
        reverse("admin:portal_advisory_changelist"),
        {"action": "publish_now", "_selected_action": [advisory.pk]},
        follow=True,
    )
    assert "kini punya salinan sendiri" in response.text
    share = Advisory.objects.exclude(pk=advisory.pk).get()
    assert list(share.offices.values_list("code", flat=True)) == ["palembang"]
    assert share.published_at is not None and share.updates.count() == 1
    advisory.refresh_from_db()
    assert advisory.published_at is None  # Muara Enim's staff decide for theirs
    assert list(advisory.offices.values_list("code", flat=True)) == ["muara-enim"]
    # The share is theirs alone: they may now edit it.
    change = reverse("admin:portal_advisory_change", args=[share.pk])
    assert "Akhiri pengumuman ini" in client.get(change).text


def test_regional_staff_act_on_the_whole_advisory_of_their_region():
    advisory = drafted()
    client = logged_in(regional_staff("kanwil-sumsel"))
    client.post(
        reverse("admin:portal_advisory_changelist"),
        {"action": "publish_now", "_selected_action": [advisory.pk]},
    )
    assert Advisory.objects.count() == 1
    advisory.refresh_from_db()
    assert advisory.published_at is not None


def test_ending_an_advisory_asks_first_then_resolves_it_with_a_last_entry():
    advisory = drafted()
    advisory.offices.set([Office.objects.get(code="palembang")])
    advisory.published_at = timezone.now() - timedelta(hours=1)
    advisory.save()
    client = logged_in(office_staff("staff-palembang", "palembang"))
    url = reverse("admin:portal_advisory_changelist")
    ask = {"action": "end_advisories", "_selected_action": [advisory.pk]}
    confirmation = client.post(url, ask)
    assert confirmation.status_code == 200 and "Ya, lanjutkan" in confirmation.text
    advisory.refresh_from_db()
    assert advisory.phase != AdvisoryPhase.RESOLVED  # nothing before confirming
    client.post(url, {**ask, "confirm": "yes", "body_id": "Layanan normal kembali."})
    advisory.refresh_from_db()
    assert advisory.phase == AdvisoryPhase.RESOLVED
    assert advisory.published_until is not None and advisory.published_until <= timezone.now()
    last = advisory.updates.order_by("-at", "-id").first()
    assert (last.phase, last.body_id, last.actor.username) == (
        AdvisoryPhase.RESOLVED,
        "Layanan normal kembali.",
        "staff-palembang",
    )


def test_ending_without_a_closing_note_changes_nothing():
    advisory = drafted()
    advisory.offices.set([Office.objects.get(code="palembang")])
    client = logged_in(office_staff("staff-palembang", "palembang"))
    response = client.post(
        reverse("admin:portal_advisory_changelist"),
        {"action": "end_advisories", "_selected_action": [advisory.pk], "confirm": "yes"},
    )
    assert response.status_code == 200 and "body_id" in response.context["form"].errors
    advisory.refresh_from_db()
    assert advisory.phase == AdvisoryPhase.INVESTIGATING and advisory.updates.count() == 1


# --- The office's own time zone ------------------------------------------------------------


def test_admin_times_are_in_the_offices_own_zone():
    Office.objects.filter(code="muara-enim").update(timezone=TimeZone.WITA)
    client = logged_in(office_staff("staff-muara-enim", "muara-enim"))
    with time_machine.travel("2024-06-21T01:00:00Z", tick=False):
        set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
        recompute()
        page = client.get(reverse("admin:index")).text
    assert "Waktu dalam WITA" in page
    assert "21 Jun 2024 09.00 WITA" in page  # 01:00 UTC, as Makassar reads it
    palembang = logged_in(office_staff("staff-palembang", "palembang"))
    assert "Waktu dalam WIB" in palembang.get(reverse("admin:index")).text


# --- A way back in -------------------------------------------------------------------------


def reset(client: Client, account: User, password: str = NEW_PASSWORD):
    url = reverse("admin:staff_password", args=[account.pk])
    return client.post(url, {"new_password1": password, "new_password2": password})


def test_regional_staff_reset_an_office_accounts_password_audited_and_unlocked():
    account = office_staff("staff-palembang", "palembang")
    AccessAttempt.objects.create(
        username="staff-palembang", ip_address="10.0.0.1", failures_since_start=5
    )
    kanwil = logged_in(regional_staff("kanwil-sumsel"))
    assert "staff-palembang" in kanwil.get(reverse("admin:staff_accounts")).text
    assert reset(kanwil, account).status_code == 302
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD) and not account.check_password(PASSWORD)
    assert not AccessAttempt.objects.filter(username="staff-palembang").exists()
    entry = LogEntry.objects.get(object_id=str(account.pk))
    assert entry.user.username == "kanwil-sumsel"
    assert "Kata sandi diatur ulang oleh kanwil-sumsel" in entry.get_change_message()
    audit = kanwil.get(reverse("admin:audit"), {"office": "palembang"}).context["rows"]
    assert any("Kata sandi diatur ulang" in row.why for row in audit)


def test_office_staff_cannot_reset_passwords():
    account = office_staff("staff-muara-enim", "muara-enim")
    client = logged_in(office_staff("staff-palembang", "palembang"))
    assert client.get(reverse("admin:staff_accounts")).status_code == 403
    assert reset(client, account).status_code == 403
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_regional_staff_reach_only_office_accounts_of_their_region():
    elsewhere = office_staff("staff-elsewhere", "palembang")
    elsewhere.office_memberships.create(office=_other_region_office())
    peer = regional_staff("kanwil-other")
    admin = User.objects.create_superuser("root", "", "x")
    client = logged_in(regional_staff("kanwil-sumsel"))
    for account in (elsewhere, peer, admin):
        assert reset(client, account).status_code == 404
        account.refresh_from_db()
        assert not account.check_password(NEW_PASSWORD)


def test_a_weak_password_is_refused_with_a_reason():
    account = office_staff("staff-palembang", "palembang")
    client = logged_in(regional_staff("kanwil-sumsel"))
    response = reset(client, account, "123")
    assert response.status_code == 200 and response.context["form"].errors
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def _other_region_office() -> Office:
    from offices.models import Region

    region = Region.objects.create(code="kanwil-bali", name="Kanwil Kemenkumham Bali")
    return Office.objects.create(
        code="denpasar", name="Kantor Imigrasi Denpasar", office_class="i", region=region
    )


def test_stage_names_follow_the_language_in_the_override_form():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    printing = Stage.objects.get(code="printing")
    page = client.get(reverse("admin:services_override_add")).text
    assert printing.name_id in page and printing.name_en not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:services_override_add")).text
    assert printing.name_en in page and printing.name_id not in page
