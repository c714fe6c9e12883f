"""What a citizen needs to decide: contacts, guidance, last known states, finding an office,
advisories that stay true. Server-rendered pages through Django's test client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from offices.models import Office, ServiceGuidance
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory
from portal.receivers import draft_advisory, follow_recovery
from services.choices import Cause, ForcedState, SystemState
from services.models import Override, Stage, UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

PHASES = {
    "all-down": {"pdn": "down", "cekal": "down"},
    "partial": {"pdn": "degraded", "cekal": "down"},
    "cekal-back": {"pdn": "degraded", "cekal": "up"},
    "recovered": {"pdn": "up", "cekal": "up"},
}


def enter(phase: str, **kwargs) -> None:
    set_systems(**PHASES[phase], **kwargs)
    recompute()


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


# --- Contacts -------------------------------------------------------------------------------


def test_office_page_links_the_contacts_staff_recorded(client):
    Office.objects.filter(code="palembang").update(
        phone="0711 123456",
        whatsapp="628123456789",
        email="kanim.palembang@example.go.id",
        map_url="https://maps.example.org/?q=palembang",
    )
    enter("partial")
    html = client.get("/kantor/palembang/").content.decode()
    assert 'href="tel:0711123456"' in html
    assert 'href="https://wa.me/628123456789"' in html
    assert 'href="mailto:kanim.palembang@example.go.id"' in html
    assert 'href="https://maps.example.org/?q=palembang"' in html
    assert "belum tercatat" not in section(text_of_html(html), "Kontak, alamat", "Jam layanan")


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_unknown_contacts_are_said_to_be_unknown_never_invented(client):
    enter("partial")
    html = client.get("/kantor/muara-enim/").content.decode()
    contacts = section(text_of_html(html), "Kontak, alamat", "Jam layanan")
    assert contacts.count("belum tercatat") == 4  # phone, WhatsApp, e-mail, map
    assert "Kantor belum mencatat nomor telepon" in contacts
    assert "tel:" not in html and "wa.me" not in html and "mailto:" not in html


def test_every_contact_the_office_sentence_links_to_the_contacts(client):
    set_systems(now=timezone.now() - timedelta(hours=1), **PHASES["partial"])
    recompute()
    html = client.get("/kantor/palembang/").content.decode()
    banner = html[
        html.index('id="stale-banner"') : html.index("</div>", html.index("stale-banner"))
    ]
    assert '<a href="#kontak">Silakan hubungi kantor sebelum datang.</a>' in banner
    assert 'id="kontak"' in html
    # The guidance of a state that cannot be confirmed ends with the same link.
    assert html.count('<a href="#kontak">Hubungi kantor</a>') >= 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call us"),
        ("whatsapp", "08123456789"),
        ("email", "not-an-address"),
        ("map_url", "http://maps.example.org/"),
        ("map_url", "javascript:alert(1)"),
    ],
)
def test_bad_contacts_are_refused_with_a_clear_error(admin_client, field, value):
    office = Office.objects.get(code="palembang")
    response = admin_client.post(
        f"/admin/offices/office/{office.pk}/change/", office_form(office, **{field: value})
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors[field]
    office.refresh_from_db()
    assert getattr(office, field) == ""


def office_form(office: Office, **changes) -> dict:
    data = {
        "code": office.code,
        "name": office.name,
        "office_class": office.office_class,
        "tpi": "on" if office.tpi else "",
        "region": office.region_id,
        "position": office.position,
        "address": office.address,
        "phone": "",
        "whatsapp": "",
        "email": "",
        "map_url": "",
        "timezone": office.timezone,
        "opening_hours": '{"mon": ["08:00", "16:00"]}',
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **changes,
    }
    return {k: v for k, v in data.items() if v != "" or k in changes or k in CONTACTS}


CONTACTS = {"phone", "whatsapp", "email", "map_url", "address"}


def test_staff_edit_contacts_in_the_admin_and_the_page_shows_them(admin_client, client):
    office = Office.objects.get(code="muara-enim")
    response = admin_client.post(
        f"/admin/offices/office/{office.pk}/change/",
        office_form(office, phone="+62 734 421000", whatsapp="6281234000111"),
    )
    assert response.status_code == 302, response.content[:3000]
    enter("partial")
    html = client.get("/kantor/muara-enim/").content.decode()
    assert 'href="tel:+62734421000"' in html and 'href="https://wa.me/6281234000111"' in html


# --- Guidance -------------------------------------------------------------------------------


def test_guidance_follows_the_service_state_and_staff_edits(client):
    enter("partial")
    text = text_of(client.get("/kantor/palembang/"))
    regular = section(text, "Layanan tahap demi tahap", "Tahapan layanan")
    assert "Tahap yang sudah selesai tetap tercatat dan tidak perlu diulang" in regular
    ServiceGuidance.objects.filter(service_code="passport-regular", state="partial").update(
        text_id="Bawa map biru.", text_en="Bring the blue folder."
    )
    recompute()  # the next poll publishes a new snapshot; the page is built again
    assert "Bawa map biru." in text_of(client.get("/kantor/palembang/"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Bring the blue folder." in text_of(client.get("/kantor/palembang/"))


def test_every_service_and_state_has_default_guidance_in_both_languages():
    pairs = set(ServiceGuidance.objects.values_list("service_code", "state"))
    services = ("passport-regular", "passport-express", "foreign-stay-permit", "hajj-debarkation")
    assert pairs == {(s, st) for s in services for st in ("open", "partial", "closed", "unknown")}
    assert not ServiceGuidance.objects.filter(text_en="").exists()


def test_a_guidance_edit_changes_the_page_etag(client):
    enter("partial")
    before = client.get("/kantor/palembang/")["ETag"]
    ServiceGuidance.objects.filter(service_code="passport-regular", state="partial").update(
        text_id="Bawa map biru."
    )
    recompute()
    assert client.get("/kantor/palembang/")["ETag"] != before


# --- The decision first ---------------------------------------------------------------------


def test_the_decision_names_staff_closures_and_what_waits(client):
    enter("cekal-back")
    Override.objects.create(
        office=Office.objects.get(code="palembang"),
        stage=Stage.objects.get(code="photo"),
        state=ForcedState.CLOSED,
        reason="Kamera rusak",
    )
    recompute(cause=Cause.OVERRIDE)
    text = text_of(client.get("/kantor/palembang/"))
    headline = section(text, "Layanan terbatas", "Layanan tahap demi tahap")
    assert "Foto: ditutup oleh kantor." in headline
    today = section(text, "Hari ini di kantor ini", "Kelas I")
    assert "Foto ditutup oleh kantor: Kamera rusak" in today
    assert "Belum: pencetakan paspor; kembali setelah PDN pulih." in today
    # Interview and biometrics are open; photo closes the way to the rest.
    assert "Hari ini Anda dapat: wawancara, biometrik." in today


def test_the_stay_permit_names_its_own_steps(client):
    enter("cekal-back")
    text = text_of(client.get("/kantor/palembang/"))
    permit = section(text, "Izin tinggal terbatas (ITAS)", "Cara menghubungi")
    assert "Penerbitan izin tinggal" in text
    assert "Pencetakan paspor" not in permit


# --- Stale, without losing what is known ----------------------------------------------------


def test_stale_pages_show_the_last_known_state_once_marked_unconfirmed(client):
    earlier = timezone.now() - timedelta(hours=2)
    set_systems(now=earlier, **PHASES["partial"])
    recompute(now=earlier)  # recorded while fresh
    set_systems(now=timezone.now() - timedelta(hours=1), **PHASES["partial"])
    recompute()  # stale now: the stages' recorded state turns unknown
    html = client.get("/kantor/palembang/").content.decode()
    text = text_of_html(html)
    stages = section(text, "Tahapan layanan", "Kontak, alamat")
    assert "Wawancara Buka" in stages and "Pencetakan paspor Tutup" in stages
    assert "Status belum dapat dipastikan" not in stages
    assert stages.count("Belum dapat dipastikan saat ini") == 1  # once for the section
    assert html.count("badge t-ok unconfirmed") >= 3
    today = section(text, "Hari ini di kantor ini", "Kelas I")
    assert "terakhir diketahui, Anda dapat: wawancara, biometrik, foto." in today
    # The page is far shorter than a list of "cannot be confirmed" per line.
    assert text.count("Status belum dapat dipastikan") <= 3


# --- Finding an office ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("palembang", ["Kantor Imigrasi Kelas I TPI Palembang"]),
        ("Muara", ["Kantor Imigrasi Kelas II Non TPI Muara Enim"]),
        ("sumatera selatan", ["Kantor Imigrasi Kelas I TPI Palembang", "Kantor Imigrasi Kelas II"]),
        ("kantor imigrasi", ["Kantor Imigrasi Kelas I TPI Palembang", "Kantor Imigrasi Kelas II"]),
        ("", ["Kantor Imigrasi Kelas I TPI Palembang", "Kantor Imigrasi Kelas II"]),
    ],
)
def test_search_finds_offices_by_any_word_without_javascript(client, query, found):
    enter("partial")
    response = client.get("/cari/", {"q": query})
    assert response.status_code == 200
    listed = response.content.decode().split('<ul class="found">')[1].split("</ul>")[0]
    assert [
        re.sub(r"<[^>]+>", "", n) for n in re.findall(r'<a href="/kantor/[^"]+/">(.*?)</a>', listed)
    ] == [n for n in ALL if any(n.startswith(f) for f in found)]
    assert "public" in response["Cache-Control"] and "Cookie" in response["Vary"]


ALL = ["Kantor Imigrasi Kelas I TPI Palembang", "Kantor Imigrasi Kelas II Non TPI Muara Enim"]


def test_search_without_a_match_says_so(client):
    enter("partial")
    text = text_of(client.get("/cari/", {"q": "jayapura"}))
    assert "0 kantor untuk “jayapura”" in text and "Tidak ada kantor yang cocok" in text


@pytest.mark.parametrize("query", ["<script>", "a" * 5000, "%00", "'; drop table"])
def test_odd_search_input_is_answered_never_a_500(client, query):
    enter("partial")
    response = client.get("/cari/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_the_overview_offers_the_last_office_first_and_a_search(client):
    enter("partial")
    html = client.get("/").content.decode()
    # Filled by the page script from localStorage, right under the title.
    assert html.index('id="last-office" hidden') < html.index('id="live-offices"')
    assert '<form class="search" role="search" method="get" action="/cari/">' in html
    assert '<a href="/cari/">Semua 2 kantor menurut nama</a>' in html


# --- Advisories that stay true --------------------------------------------------------------


def published_advisory(**fields) -> Advisory:
    now = timezone.now()
    return Advisory.objects.create(
        title_id="Gangguan PDN",
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=now - timedelta(days=2),
        **fields,
    )


def test_an_ended_advisory_keeps_its_page_marked_ended(client):
    enter("recovered")
    advisory = published_advisory(published_until=timezone.now() - timedelta(hours=1))
    response = client.get(f"/pengumuman/{advisory.pk}/")
    assert response.status_code == 200
    assert "Pengumuman ini sudah berakhir" in text_of(response)
    assert advisory.ended_at(timezone.now()) == advisory.published_until


def test_a_resolved_advisory_says_when_it_was_resolved(client):
    enter("recovered")
    system = UpstreamSystem.objects.get(code="pdn")
    advisory = published_advisory(drafted_for=system)
    advisory.systems.add(system)
    follow_recovery(system, SystemState.UP, timezone.now() - timedelta(minutes=5))
    advisory.refresh_from_db()
    assert advisory.phase == AdvisoryPhase.RESOLVED
    assert advisory.resolved_at == advisory.updates.get(phase=AdvisoryPhase.RESOLVED).at
    assert "Pengumuman ini sudah berakhir" in text_of(client.get(f"/pengumuman/{advisory.pk}/"))


def test_a_draft_is_never_shown_even_by_address(client):
    advisory = Advisory.objects.create(title_id="Masih draf")
    assert client.get(f"/pengumuman/{advisory.pk}/").status_code == 404


def test_a_drafted_advisory_follows_its_system_to_recovery():
    cekal = UpstreamSystem.objects.get(code="cekal")
    down_at = timezone.now() - timedelta(hours=3)
    advisory = draft_advisory(cekal, down_at)
    assert advisory is not None and advisory.drafted_for == cekal
    follow_recovery(cekal, SystemState.UP, timezone.now())
    advisory.refresh_from_db()
    # Never shown, it stays a draft, but no longer tells of an outage.
    assert advisory.published_at is None
    assert advisory.phase == AdvisoryPhase.RESOLVED
    assert "kembali berfungsi normal" in advisory.body_id
    assert "working normally again" in advisory.body_en
    assert advisory.updates.filter(phase=AdvisoryPhase.RESOLVED).count() == 1


def test_a_drafted_advisory_cannot_be_published_while_its_system_is_up():
    cekal = UpstreamSystem.objects.get(code="cekal")
    advisory = draft_advisory(cekal, timezone.now() - timedelta(hours=1))
    UpstreamSystem.objects.filter(pk=cekal.pk).update(state=SystemState.UP)
    advisory.refresh_from_db()
    advisory.published_at = timezone.now()
    with pytest.raises(ValidationError, match="sudah berfungsi normal"):
        advisory.full_clean()
    advisory.phase = AdvisoryPhase.RESOLVED
    advisory.full_clean()  # a resolved one may be shown


def test_the_poller_recovering_a_system_resolves_its_draft(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enter("partial")  # cekal down: a draft is opened
    advisory = Advisory.objects.get(drafted_for__code="cekal")
    assert advisory.phase == AdvisoryPhase.INVESTIGATING
    with django_capture_on_commit_callbacks(execute=True):
        enter("cekal-back")
    advisory.refresh_from_db()
    assert advisory.phase == AdvisoryPhase.RESOLVED


def test_a_published_advisory_shows_resolved_as_soon_as_its_system_recovers(
    client, django_capture_on_commit_callbacks
):
    """The recovery that resolves a shown advisory publishes a snapshot that says so: the
    documents of the poll that saw the recovery were built before the advisory followed."""
    with django_capture_on_commit_callbacks(execute=True):
        enter("partial")  # cekal down: a draft is opened
    advisory = Advisory.objects.get(drafted_for__code="cekal")
    advisory.published_at = timezone.now() - timedelta(minutes=1)
    advisory.save()
    recompute()  # staff publish it, as the admin does
    shown = {a["id"]: a["phase"] for a in client.get("/api/v1/status/").json()["advisories"]}
    assert shown[advisory.pk] == AdvisoryPhase.INVESTIGATING
    with django_capture_on_commit_callbacks(execute=True):
        enter("cekal-back")
    shown = {a["id"]: a["phase"] for a in client.get("/api/v1/status/").json()["advisories"]}
    assert shown[advisory.pk] == AdvisoryPhase.RESOLVED


def test_office_staff_change_only_their_offices_contacts(client):
    from django.contrib.auth.models import Group, User

    from offices.models import OfficeMembership

    staff = User.objects.create_user("staf-me", password="x", is_staff=True)
    staff.groups.add(Group.objects.get(name="Staf kantor"))
    office = Office.objects.get(code="muara-enim")
    OfficeMembership.objects.create(user=staff, office=office)
    client.force_login(staff)
    data = office_form(office, phone="0734 421000", name="Nama lain", opening_hours="{}")
    response = client.post(f"/admin/offices/office/{office.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    office.refresh_from_db()
    assert office.phone == "0734 421000"
    assert office.name == "Kantor Imigrasi Kelas II Non TPI Muara Enim"  # not theirs to change
    other = Office.objects.get(code="palembang")
    assert client.get(f"/admin/offices/office/{other.pk}/change/").status_code in (302, 404)


def test_marking_indonesian_terms_keeps_staff_text_escaped():
    from django.utils import translation

    from portal.templatetags.portal_tags import id_terms

    with translation.override("en"):
        marked = id_terms('<script>alert("x")</script> waits for sistem cekal', ["sistem cekal"])
    assert marked == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; waits for "
        '<span lang="id">sistem cekal</span>'
    )
    with translation.override("id"):
        assert id_terms("<b>sistem cekal</b>", ["sistem cekal"]) == (
            "&lt;b&gt;sistem cekal&lt;/b&gt;"
        )


def test_a_same_day_service_says_which_stages_hold_it(client):
    enter("partial")
    text = text_of(client.get("/kantor/palembang/"))
    express = section(text, "Paspor percepatan satu hari selesai", "Izin tinggal")
    assert (
        "Belum bisa: perlu pemeriksaan cekal dan pencetakan paspor; kembali setelah PDN dan "
        "sistem cekal pulih." in express
    )
