"""Advisories: office scope, publish window, timeline, and the draft opened when a system fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices.models import Office
from portal.choices import AdvisoryPhase
from portal.models import Advisory, AdvisoryUpdate
from services import overrides
from services.choices import SystemState
from services.models import UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems
from tests.offices.staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db

ADD = "admin:portal_advisory_add"
CHANGELIST = "admin:portal_advisory_changelist"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def advisory_form(*offices: Office, **fields) -> dict:
    """The add form's fields, with an empty timeline."""
    return {
        "title_id": "Pencetakan paspor ditunda",
        "title_en": "Passport printing postponed",
        "body_id": "Tunda pengurusan yang tidak mendesak.",
        "body_en": "",
        "severity": "major",
        "phase": "identified",
        "offices": [o.pk for o in offices],
        "published_at": "",
        "published_until": "",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        **fields,
    }


def local(moment) -> str:
    """A date-time as the browser's picker posts it (in the admin's time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def palembang() -> Office:
    return Office.objects.get(code="palembang")


def public_titles(client: Client) -> list[str]:
    return [a["title"] for a in client.get("/api/v1/status/").json()["advisories"]]


def test_office_staff_publish_an_advisory_for_their_office(palembang):
    client = logged_in(office_staff("staff-palembang", "palembang"))
    start = local(timezone.now() - timedelta(minutes=1))
    response = client.post(reverse(ADD), advisory_form(palembang, published_at=start))
    assert response.status_code == 302
    advisory = Advisory.objects.get()
    assert advisory.created_by.username == "staff-palembang"
    assert public_titles(client) == ["Pencetakan paspor ditunda"]


def test_crafted_advisory_for_another_office_is_refused(palembang):
    client = logged_in(office_staff("staff-muara-enim", "muara-enim"))
    response = client.post(reverse(ADD), advisory_form(palembang))
    assert response.status_code == 200
    assert "offices" in response.context["adminform"].form.errors
    assert not Advisory.objects.exists()


def test_office_staff_must_name_an_office():
    client = logged_in(office_staff("staff-palembang", "palembang"))
    response = client.post(reverse(ADD), advisory_form())
    assert "offices" in response.context["adminform"].form.errors
    assert not Advisory.objects.exists()


def test_publication_ending_before_it_starts_is_a_form_error(palembang):
    client = logged_in(office_staff("staff-palembang", "palembang"))
    start, end = local(timezone.now()), local(timezone.now() - timedelta(days=1))
    response = client.post(
        reverse(ADD), advisory_form(palembang, published_at=start, published_until=end)
    )
    assert "published_until" in response.context["adminform"].form.errors
    assert not Advisory.objects.exists()


def test_other_office_staff_cannot_open_or_publish_an_advisory(palembang):
    advisory = Advisory.objects.create(title_id="Khusus Palembang")
    advisory.offices.add(palembang)
    client = logged_in(office_staff("staff-muara-enim", "muara-enim"))
    url = reverse("admin:portal_advisory_change", args=[advisory.pk])
    assert client.get(url).status_code == 302
    client.post(reverse(CHANGELIST), {"action": "publish_now", "_selected_action": [advisory.pk]})
    advisory.refresh_from_db()
    assert advisory.published_at is None


def test_an_advisory_for_several_offices_is_read_only_to_one_offices_staff(palembang):
    advisory = Advisory.objects.create(title_id="Seluruh Sumsel")
    advisory.offices.set(Office.objects.all())
    client = logged_in(office_staff("staff-palembang", "palembang"))
    url = reverse("admin:portal_advisory_change", args=[advisory.pk])
    assert client.get(url).status_code == 200  # visible: it concerns their office
    assert client.post(url, advisory_form(palembang, title_id="Diubah")).status_code == 403
    client.post(reverse(CHANGELIST), {"action": "publish_now", "_selected_action": [advisory.pk]})
    advisory.refresh_from_db()
    assert (advisory.title_id, advisory.published_at) == ("Seluruh Sumsel", None)


def test_publish_and_end_actions_change_the_public_list_at_once(palembang):
    advisory = Advisory.objects.create(title_id="Datang lebih awal ke bandara")
    advisory.offices.set(Office.objects.all())
    client = logged_in(regional_staff("kanwil-sumsel"))
    data = {"_selected_action": [advisory.pk]}
    client.post(reverse(CHANGELIST), {**data, "action": "publish_now"})
    assert public_titles(client) == ["Datang lebih awal ke bandara"]
    ending = {**data, "action": "end_advisories", "confirm": "yes", "body_id": "Selesai."}
    client.post(reverse(CHANGELIST), ending)
    assert public_titles(client) == []
    advisory.refresh_from_db()
    assert advisory.published_until is not None  # ended, not deleted
    assert advisory.phase == AdvisoryPhase.RESOLVED


def test_timeline_entry_records_its_author_and_moves_the_phase(palembang):
    advisory = Advisory.objects.create(title_id="Gangguan PDN", phase=AdvisoryPhase.INVESTIGATING)
    advisory.offices.add(palembang)
    client = logged_in(office_staff("staff-palembang", "palembang"))
    response = client.post(
        reverse("admin:portal_advisory_change", args=[advisory.pk]),
        advisory_form(
            palembang,
            title_id="Gangguan PDN",
            phase="investigating",
            **{
                "updates-TOTAL_FORMS": "1",
                "updates-0-phase": "monitoring",
                "updates-0-body_id": "Layanan berangsur normal.",
                "updates-0-body_en": "",
            },
        ),
    )
    assert response.status_code == 302
    update = AdvisoryUpdate.objects.get()
    assert (update.actor.username, update.phase) == ("staff-palembang", "monitoring")
    advisory.refresh_from_db()
    assert advisory.phase == AdvisoryPhase.MONITORING


def test_advisories_are_never_deleted(palembang):
    advisory = Advisory.objects.create(title_id="x")
    advisory.offices.add(palembang)
    client = logged_in(regional_staff("kanwil-sumsel"))
    url = reverse("admin:portal_advisory_delete", args=[advisory.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Advisory.objects.filter(pk=advisory.pk).exists()


# --- The draft opened when a system goes down -----------------------------------------------


def test_system_going_down_opens_one_unpublished_draft(django_capture_on_commit_callbacks):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    with django_capture_on_commit_callbacks(execute=True):
        set_systems(pdn=SystemState.DOWN, cekal=SystemState.UP)
        recompute()
    draft = Advisory.objects.get()
    assert draft.published_at is None  # staff review it; never published by itself
    assert list(draft.systems.values_list("code", flat=True)) == ["pdn"]
    assert draft.offices.count() == Office.objects.count()
    assert draft.updates.count() == 1
    assert public_titles(Client()) == []


def test_no_second_draft_while_one_is_open(django_capture_on_commit_callbacks):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    # Degraded again in between: the draft follows it (monitoring) and stays open.
    for state in (SystemState.DOWN, SystemState.DEGRADED, SystemState.DOWN):
        with django_capture_on_commit_callbacks(execute=True):
            set_systems(pdn=state, cekal=SystemState.UP)
            recompute()
    assert Advisory.objects.count() == 1


def test_a_new_draft_after_the_last_was_resolved(django_capture_on_commit_callbacks):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    with django_capture_on_commit_callbacks(execute=True):
        set_systems(pdn=SystemState.DOWN, cekal=SystemState.UP)
        recompute()
    Advisory.objects.update(phase=AdvisoryPhase.RESOLVED)
    with django_capture_on_commit_callbacks(execute=True):
        set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
        recompute()
    with django_capture_on_commit_callbacks(execute=True):
        overrides.declare_system(
            UpstreamSystem.objects.get(code="pdn"), state=SystemState.DOWN, reason="Ransomware"
        )
    assert Advisory.objects.count() == 2


def test_no_draft_before_the_transition_commits(django_capture_on_commit_callbacks):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_systems(pdn=SystemState.DOWN, cekal=SystemState.UP)
        recompute()
    assert callbacks and not Advisory.objects.exists()


def test_degraded_is_not_down_and_opens_no_draft(django_capture_on_commit_callbacks):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    with django_capture_on_commit_callbacks(execute=True):
        set_systems(pdn=SystemState.DEGRADED, cekal=SystemState.UP)
        recompute()
    assert not Advisory.objects.exists()
