"""The overview at national scale: offices grouped by region, and a page per region."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from offices.models import Office, Region
from portal import presentation
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory
from services.snapshot import OfficeInfo, recompute
from tests.factories import NATIONAL, add_offices, set_systems

pytestmark = pytest.mark.django_db


def seed(offices: int = NATIONAL) -> None:
    """``offices`` in all, PDN degraded and the travel-ban check down (21 June 2024)."""
    add_offices(offices)
    set_systems(pdn="degraded", cekal="down")
    recompute()
    assert Office.objects.count() == offices


def text_of(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def region_sections(html: str) -> dict[str, str]:
    """Each region section's HTML by the code of the region page its heading links to."""
    sections = html.split('<section class="region"')[1:]
    found = {}
    for part in sections:
        part = part[: part.index("</section>")]
        found[re.search(r'href="/wilayah/([^/]+)/"', part)[1]] = part
    return found


def publish(title: str, offices: Sequence[str] = (), **fields) -> Advisory:
    defaults = {
        "body_id": "Datang lebih awal.",
        "severity": AdvisorySeverity.MAJOR,
        "phase": AdvisoryPhase.IDENTIFIED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    advisory = Advisory.objects.create(title_id=title, **{**defaults, **fields})
    advisory.offices.set(Office.objects.filter(code__in=offices))
    recompute()  # as the admin does when staff publish
    return advisory


# --- The overview -------------------------------------------------------------------------


def test_overview_groups_every_office_under_its_region_as_one_linked_row(client):
    seed()
    html = client.get("/").content.decode()
    sections = region_sections(html)
    regions = Region.objects.filter(offices__isnull=False).distinct()
    assert list(sections) == [r.code for r in regions.order_by("name")]
    for office in Office.objects.select_related("region"):
        rows = re.findall(rf'<a href="/kantor/{office.code}/">([^<]+)</a>', html)
        assert rows == [office.name], office.code
        assert f'href="/kantor/{office.code}/"' in sections[office.region.code]
    sumsel = text_of(html)[text_of(html).index("Kanwil Kemenkumham Sumatera Selatan") :]
    assert re.match(
        r"Kanwil Kemenkumham Sumatera Selatan Kantor Imigrasi Kelas I TPI Palembang Terbatas "
        r"Paspor reguler Terbatas Paspor percepatan satu hari selesai Tutup "
        r"Izin tinggal terbatas \(ITAS\) Terbatas",
        sumsel,
    )


def test_overview_rows_are_compact_rather_than_journeys(client):
    seed()
    html = client.get("/").content.decode()
    assert 'class="journey"' not in html and "Hari ini Anda dapat" not in html
    assert (
        html.count('<ul class="service-states">')
        == NATIONAL
        > presentation.FULL_OVERVIEW_MAX_OFFICES
    )
    assert "Layanan terbatas: pemeriksaan cekal dan pencetakan paspor menunggu pemulihan" in (
        text_of(html)
    )
    assert "Kantor menurut wilayah." in text_of(html)


@pytest.mark.parametrize(
    ("offices", "national"),
    [
        (presentation.FULL_OVERVIEW_MAX_OFFICES, False),
        (presentation.FULL_OVERVIEW_MAX_OFFICES + 1, True),
    ],
)
def test_the_overview_turns_national_past_the_threshold(client, offices, national):
    seed(offices)
    html = client.get("/").content.decode()
    assert ('<section class="region"' in html) is national
    assert ('class="journey"' in html) is not national


def test_advisories_systems_and_resolved_advisories_stay_where_they_were(client):
    seed()
    publish("Datang lebih awal ke bandara")
    publish("Gangguan sudah pulih", phase=AdvisoryPhase.RESOLVED)
    text = text_of(client.get("/").content.decode())
    assert text.index("Datang lebih awal ke bandara") < text.index("Kanwil Kemenkumham")
    last_region = max(text.rindex(r.name) for r in Region.objects.all())
    assert last_region < text.index("Sistem pusat") < text.index("Pengumuman yang telah selesai")
    assert text.index("Pengumuman yang telah selesai") < text.index("Gangguan sudah pulih")


def test_national_overview_keeps_the_live_parts_of_the_page(client):
    seed()
    html = client.get("/").content.decode()
    for part in ("live-fresh", "live-headline", "live-advisories", "live-offices"):
        assert f'id="{part}" data-live' in html
    offices = html[html.index('id="live-offices"') :]
    assert offices.index('<section class="region"') < offices.index('class="systems"')
    assert re.search(r'<main [^>]*data-etag="W/&quot;[0-9a-f]{24}&quot;"', html)


def test_national_overview_in_english(client):
    seed()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response["Content-Language"] == "en"
    text = text_of(response.content.decode())
    assert "Offices by region. Open a region to see each service step by step" in text
    assert (
        "Kantor Imigrasi Kelas I TPI Palembang Limited Regular passport Limited "
        "Same-day express passport Closed Limited stay permit (ITAS) Limited"
    ) in text


# --- A region's page ----------------------------------------------------------------------


def test_region_page_shows_full_journeys_for_its_offices_only(client):
    seed()
    response = client.get("/wilayah/sumsel/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    assert "<title>Kanwil Kemenkumham Sumatera Selatan — Status Layanan Imigrasi</title>" in html
    assert "<h1>Kanwil Kemenkumham Sumatera Selatan</h1>" in html
    assert '<p class="crumbs"><a href="/">Semua kantor</a></p>' in html
    assert re.findall(r'<h2 id="office-([^"]+)">', html) == ["palembang", "muara-enim"]
    assert text.count("Hari ini Anda dapat: wawancara, biometrik, foto.") == 2
    assert "Wawancara Buka Biometrik Buka Foto Buka Pemeriksaan cekal Menunggu" in text
    others = Office.objects.exclude(region__code="sumsel")
    assert others.count() == NATIONAL - 2
    assert not any(f"/kantor/{o.code}/" in html for o in others)
    for part in ("live-fresh", "live-headline", "live-advisories", "live-offices"):
        assert f'id="{part}" data-live' in html
    assert "Sistem pusat" in text


def test_region_page_of_another_region(client):
    seed()
    html = client.get("/wilayah/kanwil-aceh/").content.decode()
    assert re.findall(r'<h2 id="office-([^"]+)">', html) == [
        "kanim-banda-aceh",
        "kanim-lhokseumawe",
        "kanim-langsa",
    ]
    assert "Palembang" not in html


def test_region_page_lists_general_advisories_and_those_of_its_offices(client):
    seed()
    publish("Untuk semua kantor")
    publish("Khusus Palembang", offices=["palembang"])
    publish("Khusus Langsa", offices=["kanim-langsa"])
    text = text_of(client.get("/wilayah/sumsel/").content.decode())
    assert "Untuk semua kantor" in text and "Khusus Palembang" in text
    assert "Khusus Langsa" not in text
    assert "Khusus Langsa" in text_of(client.get("/wilayah/kanwil-aceh/").content.decode())


def test_region_page_in_english(client):
    seed()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/wilayah/sumsel/")
    assert response["Content-Language"] == "en"
    text = text_of(response.content.decode())
    assert "All offices" in text
    assert text.count("Today you can: interview, biometrics, photo.") == 2


@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_region_is_a_404_page_in_the_chosen_language(client, lang):
    seed()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get("/wilayah/atlantis/")
    assert response.status_code == 404
    expected = {"id": "Halaman tidak ditemukan", "en": "Page not found"}[lang]
    assert expected in text_of(response.content.decode())


def test_region_page_works_below_the_threshold_too(client):
    set_systems(pdn="degraded", cekal="down")
    recompute()
    assert client.get("/wilayah/sumsel/").status_code == 200
    assert "/wilayah/" not in client.get("/").content.decode()


def test_a_bundle_published_before_region_codes_still_groups_by_region():
    info = OfficeInfo(
        "x", "Kantor X", "ii", False, "Kanwil Kemenkumham Jawa Barat", "", "Asia/Jakarta", {}
    )
    assert presentation.region_code(info) == "kanwil-kemenkumham-jawa-barat"
