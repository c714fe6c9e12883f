"""The public pages through the Django client: words in both languages, offices, advisories."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from offices.models import Office, OfficeClosure
from portal import prepared, views
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory, AdvisoryUpdate
from services.choices import Cause, ForcedState
from services.models import Override, Service
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

PHASES = {
    "all-down": {"pdn": "down", "cekal": "down"},
    "partial": {"pdn": "degraded", "cekal": "down"},
    "cekal-back": {"pdn": "degraded", "cekal": "up"},
    "recovered": {"pdn": "up", "cekal": "up"},
}


# The hours table marks today's row: these tests name the day they run on.
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def tuesday_morning():
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield


def enter(phase: str) -> None:
    set_systems(**PHASES[phase])
    recompute()


def text_of(response) -> str:
    """The visible text of a page's main content, whitespace collapsed, entities kept."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def in_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def publish(offices: Sequence[str] = (), **fields) -> Advisory:
    """An advisory as staff publish it: saved, with its offices, then the snapshot
    recomputed (as the admin does), so that every page and document shows it."""
    defaults = {
        "title_id": "Tunda pengurusan yang tidak mendesak",
        "title_en": "Postpone non-urgent business",
        "body_id": "Pemohon diimbau menunda pengurusan yang tidak mendesak.",
        "body_en": "Applicants are asked to postpone non-urgent business.",
        "severity": AdvisorySeverity.MAJOR,
        "phase": AdvisoryPhase.IDENTIFIED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    advisory = Advisory.objects.create(**{**defaults, **fields})
    advisory.offices.set(Office.objects.filter(code__in=offices))
    recompute()
    return advisory


# --- Overview -----------------------------------------------------------------------------


def test_overview_partial_outage_in_indonesian_by_default(client):
    enter("partial")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    text = text_of(response)
    assert (
        "Layanan terbatas: pemeriksaan cekal dan pencetakan paspor menunggu pemulihan "
        "PDN dan sistem cekal." in text
    )
    palembang = section(text, "Kantor Imigrasi Kelas I TPI Palembang", "Muara Enim")
    regular = section(palembang, "Paspor reguler", "Paspor percepatan")
    assert "Terbatas" in regular
    assert "Hari ini Anda dapat: wawancara, biometrik, foto." in regular
    assert (
        "Pemeriksaan cekal dan pencetakan paspor menunggu pemulihan PDN dan sistem cekal; "
        "kembali setelah sistem pulih." in regular
    )
    assert (
        "Wawancara Buka Biometrik Buka Foto Buka Pemeriksaan cekal Menunggu pemulihan sistem"
        in (regular)
    )
    express = section(palembang, "Paspor percepatan", "Izin tinggal")
    assert "Tutup" in express and "Layanan ini belum dapat dimulai hari ini." in express
    # Open stages of a same-day service say which stage holds them.
    assert "Wawancara Menunggu pemeriksaan cekal" in express
    assert (
        "Wawancara, biometrik dan foto: buka, tetapi layanan ini menunggu pemeriksaan cekal "
        "dan pencetakan paspor." in express
    )
    permit = section(palembang, "Izin tinggal", "Kontak, yang perlu dibawa")
    assert "Hari ini Anda dapat: biometrik." in permit
    assert "Diperbarui" in text and " pukul " in text and " WIB" in text


def test_overview_partial_outage_in_english(client):
    enter("partial")
    in_english(client)
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
    text = text_of(response)
    assert (
        "Services are limited: travel-ban check and passport printing must wait for PDN "
        "and sistem cekal to recover." in text
    )
    regular = section(text, "Regular passport", "Same-day express passport")
    assert "Limited" in regular and "Today you can: interview, biometrics, photo." in regular
    assert "Interview Open Biometrics Open Photo Open Travel-ban check Waiting for system" in (
        regular
    )
    assert "Updated" in text and " at " in text


@pytest.mark.parametrize(
    ("phase", "headline", "regular"),
    [
        (
            "all-down",
            "Layanan keimigrasian dihentikan sementara: menunggu pemulihan PDN dan sistem cekal.",
            "Layanan ini belum dapat dimulai hari ini.",
        ),
        (
            "cekal-back",
            "Layanan terbatas: pencetakan paspor menunggu pemulihan PDN.",
            "Hari ini Anda dapat: wawancara, biometrik, foto, pemeriksaan cekal.",
        ),
        (
            "recovered",
            "Semua layanan keimigrasian buka seperti biasa.",
            "Hari ini layanan ini dapat diselesaikan sepenuhnya.",
        ),
    ],
)
def test_overview_says_each_june_phase(client, phase, headline, regular):
    enter(phase)
    text = text_of(client.get("/"))
    assert headline in text
    assert regular in section(text, "Paspor reguler", "Paspor percepatan")


def test_express_kept_closed_by_the_office_says_so(client):
    enter("recovered")
    Override.objects.create(
        office=Office.objects.get(code="palembang"),
        service=Service.objects.get(code="passport-express"),
        state=ForcedState.CLOSED,
        reason="Dibuka kembali 1 Juli",
    )
    recompute(cause=Cause.OVERRIDE)
    text = text_of(client.get("/"))
    assert "Sebagian layanan dibatasi atas keputusan kantor" in text
    palembang = section(text, "Palembang", "Muara Enim")
    express = section(palembang, "Paspor percepatan", "Izin tinggal")
    assert "Tutup Ditutup oleh kantor: Dibuka kembali 1 Juli" in express
    assert "Hari ini layanan ini dapat diselesaikan sepenuhnya." in section(
        text, "Muara Enim", "Sistem pusat"
    )


def test_a_closed_office_says_so_for_every_service(client):
    enter("recovered")
    OfficeClosure.objects.create(
        office=Office.objects.get(code="muara-enim"),
        reason="Cuti bersama Iduladha",
        starts_at=timezone.now() - timedelta(hours=1),
    )
    recompute(cause=Cause.CLOSURE)
    text = text_of(client.get("/"))
    muara_enim = section(text, "Muara Enim", "Sistem pusat")
    assert muara_enim.count("Tutup Ditutup oleh kantor: Cuti bersama Iduladha") == 3
    assert "Wawancara Tutup" in muara_enim
    assert "Hari ini layanan ini dapat diselesaikan sepenuhnya." in section(
        text, "Palembang", "Muara Enim"
    )


def test_stale_data_shows_the_banner_and_unknown_states(client, settings):
    set_systems(now=timezone.now() - timedelta(hours=1), pdn="degraded", cekal="down")
    recompute()
    html = client.get("/").content.decode()
    assert '<div class="banner stale" id="stale-banner">' in html
    # One alert region, which the page script fills when data turns stale while it is open.
    assert html.count('role="alert"') == 1
    text = text_of(client.get("/"))
    assert "Status belum dapat dipastikan: portal belum menerima data terbaru" in text
    assert "Wawancara Status belum dapat dipastikan" in text


def test_banner_is_hidden_while_data_is_fresh(client):
    enter("partial")
    assert '<div class="banner stale" id="stale-banner" hidden>' in client.get("/").content.decode()


def test_active_advisories_come_first_and_resolved_ones_last(client):
    enter("partial")
    publish(title_id="Datang lebih awal ke bandara")
    publish(title_id="Gangguan sudah pulih", phase=AdvisoryPhase.RESOLVED)
    text = text_of(client.get("/"))
    assert text.index("Datang lebih awal ke bandara") < text.index("Kantor Imigrasi Kelas I")
    assert text.index("Pengumuman yang telah selesai") < text.index("Gangguan sudah pulih")
    assert text.index("Kantor Imigrasi Kelas II") < text.index("Gangguan sudah pulih")


def test_unpublished_advisories_are_not_shown(client):
    enter("partial")
    publish(title_id="Masih draf", published_at=None)
    assert "Masih draf" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("phase", "icon"),
    [("all-down", "closed"), ("partial", "partial"), ("recovered", "open")],
)
def test_favicon_follows_the_overall_state(client, phase, icon):
    enter(phase)
    assert re.search(rf'rel="icon"[^>]+favicon-{icon}\.\w+\.svg', client.get("/").content.decode())


def test_overview_is_under_60_kb_for_two_offices(client):
    enter("partial")
    publish()
    publish(title_id="Datang lebih awal ke bandara dan TPI")
    assert len(client.get("/").content) < 60 * 1024


def test_pages_use_hashed_static_files_served_by_whitenoise(client):
    enter("partial")
    html = client.get("/").content.decode()
    urls = re.findall(r'(?:href|src)="(/static/portal/[^"]+)"', html)
    assert {u.rsplit(".", 1)[-1] for u in urls} == {"svg", "css", "js"}
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url), url
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" in response["Cache-Control"]


def test_pages_load_nothing_from_other_hosts(client):
    enter("partial")
    for path in ("/", "/kantor/palembang/"):
        html = client.get(path).content.decode()
        assert not re.search(r'(?:href|src)="(?:https?:)?//', html)
        assert "<script>" not in html and " style=" not in html


def test_live_refresh_hooks_point_at_the_status_api_in_the_page_language(client):
    enter("partial")
    html = client.get("/").content.decode()
    assert 'data-status-url="/api/v1/status/?lang=id"' in html
    etag = client.get("/api/v1/status/?lang=id")["ETag"]
    assert f'data-etag="{etag.replace(chr(34), "&quot;")}"' in html


# --- Language -------------------------------------------------------------------------------


def test_language_choice_sticks_in_a_lasting_cookie(client):
    enter("partial")
    html = client.get("/kantor/palembang/").content.decode()
    link = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', html)[1]
    assert link == "/bahasa/en/?next=/kantor/palembang/"
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/kantor/palembang/"
    assert response["Cache-Control"] == "no-store"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 30 * 24 * 3600
    assert "Today at this office" in text_of(client.get("/kantor/palembang/"))
    assert "Today you can" in text_of(client.get("/"))
    back = re.search(r'href="([^"]+)" lang="id"', client.get("/").content.decode())[1]
    client.get(back)
    assert "Hari ini Anda dapat" in text_of(client.get("/"))


def test_the_language_form_of_earlier_pages_still_works(client):
    enter("partial")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Today you can" in text_of(client.get("/"))


@pytest.mark.parametrize(
    "path, location",
    [
        ("/bahasa/en/?next=https://evil.example/", "/"),  # not another site
        ("/bahasa/en/?next=//evil.example/", "/"),
        ("/bahasa/en/", "/"),
        ("/bahasa/en/?next=/wilayah/sumsel/?x=1", "/wilayah/sumsel/?x=1"),
    ],
)
def test_choosing_a_language_only_returns_to_this_site(client, path, location):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == location


def test_an_unknown_language_is_not_found_and_sets_nothing(client):
    response = client.get("/bahasa/fr/?next=/")
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_unknown_language_cookie_falls_back_to_indonesian(client):
    enter("partial")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Hari ini Anda dapat" in text_of(client.get("/"))


# --- Office page --------------------------------------------------------------------------


def test_office_page_shows_stages_services_address_hours_and_class(client, tuesday_morning):
    enter("partial")
    text = text_of(client.get("/kantor/palembang/"))
    assert "Kelas I · TPI (memiliki tempat pemeriksaan imigrasi)" in text
    assert "Kanwil Kemenkumham Sumatera Selatan" in text
    assert "Jl. Pangeran Ratu No. 1" in text
    assert "Senin 08.00–16.00" in text and "Jumat 08.00–16.30" in text
    assert "Selasa (hari ini) 08.00–16.00" in text and "Sabtu Tutup" in text
    stages = section(text, "Tahapan layanan", "Kontak, alamat dan jam layanan")
    assert re.search(r"Wawancara Buka sejak \w+, \d+ \w+ \d{4} pukul \d\d\.\d\d WIB", stages)
    assert "Pencetakan paspor Menunggu pemulihan sistem Menunggu pemulihan PDN" in stages
    assert "Pemeriksaan keimigrasian di TPI Buka" in stages
    assert "Hari ini Anda dapat: wawancara, biometrik, foto." in text


def test_office_page_of_a_non_tpi_office_has_no_checkpoint_stage(client):
    enter("partial")
    text = text_of(client.get("/kantor/muara-enim/"))
    assert "Kelas II · Non TPI" in text
    assert "Pemeriksaan keimigrasian di TPI" not in text


def test_office_page_in_english(client, tuesday_morning):
    enter("partial")
    in_english(client)
    text = text_of(client.get("/kantor/palembang/"))
    assert "Class I · TPI (runs an immigration checkpoint)" in text
    assert "Monday 08:00–16:00" in text and "Tuesday (today) 08:00–16:00" in text
    assert re.search(r"Interview Open since \w+, \d+ \w+ \d{4} at \d\d:\d\d WIB", text)


def test_office_page_lists_only_its_own_and_general_advisories(client):
    enter("partial")
    general = publish(title_id="Untuk semua kantor")
    mine = publish(title_id="Khusus Palembang", offices=["palembang"])
    other = publish(title_id="Khusus Muara Enim", offices=["muara-enim"])
    text = text_of(client.get("/kantor/palembang/"))
    assert general.title_id in text and mine.title_id in text
    assert other.title_id not in text


def test_office_page_has_90_history_bars_per_stage(client):
    enter("partial")
    html = client.get("/kantor/palembang/").content.decode()
    lists = re.findall(r'<ol class="bars"[^>]*>(.*?)</ol>', html, flags=re.S)
    assert len(lists) == 6
    assert all(len(re.findall(r"<li ", bars)) == 90 for bars in lists)


def test_office_page_survives_malformed_opening_hours(client, tuesday_morning):
    Office.objects.filter(code="palembang").update(
        opening_hours={"mon": "all day", "tue": ["08:00"], "wed": [["09:00", "12:00"], "x"]}
    )
    enter("partial")
    response = client.get("/kantor/palembang/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Senin Tutup" in text and "Rabu 09.00–12.00" in text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_office_is_a_404_page_in_the_chosen_language(client, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get("/kantor/jakarta/")
    assert response.status_code == 404
    expected = {"id": "Halaman tidak ditemukan", "en": "Page not found"}[lang]
    assert expected in text_of(response)


# --- Advisory page ------------------------------------------------------------------------


def test_advisory_page_shows_text_and_timeline_newest_first(client):
    enter("partial")
    advisory = publish()
    start = advisory.published_at
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.IDENTIFIED,
        body_id="Penyebab gangguan diketahui.",
        at=start + timedelta(minutes=10),
    )
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.MONITORING,
        body_id="Sistem cekal pulih; pencetakan masih menunggu PDN.",
        at=start + timedelta(minutes=30),
    )
    text = text_of(client.get(f"/pengumuman/{advisory.pk}/"))
    assert "Tunda pengurusan yang tidak mendesak" in text
    assert "Pemohon diimbau menunda" in text
    timeline = text[text.index("Perkembangan") :]
    assert timeline.index("Dalam pemantauan") < timeline.index("Penyebab diketahui")
    assert timeline.index("Penyebab diketahui") < timeline.index("Diterbitkan")


def test_advisory_page_in_english_falls_back_to_indonesian_text(client):
    enter("partial")
    advisory = publish(body_en="")
    in_english(client)
    text = text_of(client.get(f"/pengumuman/{advisory.pk}/"))
    assert "Postpone non-urgent business" in text and "Pemohon diimbau menunda" in text


@pytest.mark.parametrize("published", [None, "future", "missing"])
def test_unpublished_or_missing_advisory_is_a_404(client, published):
    enter("partial")
    when = {None: None, "future": timezone.now() + timedelta(days=1), "missing": None}[published]
    advisory = publish(published_at=when)
    pk = advisory.pk + 100 if published == "missing" else advisory.pk
    assert client.get(f"/pengumuman/{pk}/").status_code == 404


def test_staff_entered_advisory_text_is_escaped_everywhere(client):
    enter("partial")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    advisory = publish(title_id="Judul " + evil, body_id="Isi " + evil, offices=["palembang"])
    AdvisoryUpdate.objects.create(
        advisory=advisory, phase=AdvisoryPhase.MONITORING, body_id=evil, at=timezone.now()
    )
    recompute()
    for path in ("/", "/kantor/palembang/", f"/pengumuman/{advisory.pk}/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, path


def test_staff_entered_override_reason_is_escaped(client):
    enter("recovered")
    Override.objects.create(
        office=Office.objects.get(code="palembang"),
        service=Service.objects.get(code="passport-express"),
        state=ForcedState.CLOSED,
        reason="<b>tutup</b>",
    )
    recompute(cause=Cause.OVERRIDE)
    html = client.get("/").content.decode()
    assert "<b>tutup</b>" not in html and "&lt;b&gt;tutup&lt;/b&gt;" in html


# --- Rendering once per snapshot ------------------------------------------------------------


def test_main_part_is_rendered_once_per_snapshot_and_language(client, monkeypatch):
    enter("partial")
    first = client.get("/kantor/palembang/")

    def fail(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(views, "office_views", fail)
    again = client.get("/kantor/palembang/")
    assert again.status_code == 200
    assert text_of(again) == text_of(first)
    in_english(client)
    with pytest.raises(AssertionError, match="rendered again"):
        client.get("/kantor/palembang/")


def test_a_warm_page_is_the_rendered_page_byte_for_byte(client, monkeypatch):
    enter("partial")
    publish(title_id="Pengumuman — cuti bersama Iduladha", phase=AdvisoryPhase.RESOLVED)
    warm = [client.get(path) for path in ("/", "/kantor/palembang/", "/", "/kantor/palembang/")]
    rendered = []
    monkeypatch.setattr(prepared, "_shared", lambda key: None)  # nothing built elsewhere
    for path in ("/", "/kantor/palembang/"):
        prepared.forget()  # render again, for the same snapshot
        rendered.append(client.get(path))
    for response, expected in zip(warm, rendered * 2, strict=True):
        assert response["Content-Type"] == expected["Content-Type"] == "text/html; charset=utf-8"
        assert response.content == expected.content
        assert response["ETag"] == expected["ETag"]
    assert "Pengumuman — cuti bersama Iduladha".encode() in warm[2].content


def test_pages_hold_nothing_particular_to_a_visitor(client):
    enter("partial")
    first, second = client.get("/"), Client().get("/")
    assert first.content == second.content
    assert not first.cookies and not second.cookies  # no session, no CSRF cookie
    assert b"csrfmiddlewaretoken" not in first.content
    poll = max(1, int(settings.POLL_INTERVAL_SECONDS))
    assert first["Cache-Control"] == (
        f"public, max-age={poll}, stale-while-revalidate={poll}, stale-if-error=86400"
    )
    assert "Cookie" in first["Vary"]  # the language is a cookie


def test_a_page_revalidates_with_its_etag_until_the_state_changes(client):
    enter("partial")
    page = client.get("/kantor/palembang/")
    again = client.get("/kantor/palembang/", HTTP_IF_NONE_MATCH=page["ETag"])
    assert again.status_code == 304 and again.content == b""
    enter("all-down")
    changed = client.get("/kantor/palembang/", HTTP_IF_NONE_MATCH=page["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != page["ETag"]


def test_a_new_snapshot_renders_the_page_again(client):
    enter("partial")
    assert "Hari ini Anda dapat: wawancara" in text_of(client.get("/"))
    enter("all-down")
    assert "Hari ini Anda dapat: wawancara" not in text_of(client.get("/"))


def test_pages_still_work_when_the_cache_is_down(client, settings):
    enter("partial")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    for path in ("/", "/kantor/palembang/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Hari ini Anda dapat: wawancara, biometrik, foto." in text_of(response)
