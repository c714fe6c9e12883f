"""The public pages in real Chromium on a live server: words, refresh, language, layout, a11y."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone, translation

from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory, AdvisoryUpdate
from portal.templatetags.portal_tags import format_datetime
from services.snapshot import published, recompute
from tests.conftest import missing
from tests.factories import NATIONAL, add_offices, set_systems
from tests.stack import point_poller_at, running_stack, stack_env, wait_until

pytestmark = [
    pytest.mark.integration,
    # Seed rows come from a data migration: restore them after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHASES = {
    "all-down": {"pdn": "down", "cekal": "down"},
    "partial": {"pdn": "degraded", "cekal": "down"},
    "cekal-back": {"pdn": "degraded", "cekal": "up"},
    "recovered": {"pdn": "up", "cekal": "up"},
}


def enter(phase: str) -> None:
    set_systems(**PHASES[phase])
    recompute()


@pytest.fixture(autouse=True)
def _live_settings(live_browser_settings):
    """Poll every second, keep observations fresh, serve static files without a manifest."""
    live_browser_settings.POLL_INTERVAL_SECONDS = 1.0


def open_page(browser, url: str, width: int = 1280, **options):
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.errors = errors
    return page


def main_text(page) -> str:
    return " ".join(page.inner_text("main").split())


def publish_advisory() -> Advisory:
    advisory = Advisory.objects.create(
        title_id="Tunda pengurusan yang tidak mendesak",
        title_en="Postpone non-urgent business",
        body_id="Datang lebih awal ke bandara dan TPI.",
        body_en="Arrive early at airports and checkpoints.",
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=timezone.now() - timedelta(hours=1),
    )
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.IDENTIFIED,
        body_id="Pencetakan paspor menunggu sistem cekal.",
        at=timezone.now() - timedelta(minutes=30),
    )
    return advisory


@pytest.mark.parametrize(
    ("phase", "regular", "express", "permit"),
    [
        (
            "all-down",
            "Paspor reguler Tutup Layanan ini belum dapat dimulai hari ini.",
            "Paspor percepatan satu hari selesai Tutup",
            "Izin tinggal terbatas (ITAS) Tutup",
        ),
        (
            "partial",
            "Paspor reguler Terbatas Hari ini Anda dapat: wawancara, biometrik, foto.",
            "Paspor percepatan satu hari selesai Tutup",
            "Izin tinggal terbatas (ITAS) Terbatas Hari ini Anda dapat: biometrik.",
        ),
        (
            "cekal-back",
            "Paspor reguler Terbatas Hari ini Anda dapat: wawancara, biometrik, foto, "
            "pemeriksaan cekal. Pencetakan paspor menunggu pemulihan PDN; kembali setelah "
            "sistem pulih.",
            "Paspor percepatan satu hari selesai Tutup",
            "Izin tinggal terbatas (ITAS) Terbatas Hari ini Anda dapat: biometrik, "
            "persetujuan (pemeriksaan cekal).",
        ),
        (
            "recovered",
            "Paspor reguler Buka Hari ini layanan ini dapat diselesaikan sepenuhnya.",
            "Paspor percepatan satu hari selesai Buka",
            "Izin tinggal terbatas (ITAS) Buka",
        ),
    ],
)
def test_overview_shows_each_june_phase(browser, live_server, phase, regular, express, permit):
    enter(phase)
    page = open_page(browser, live_server.url)
    text = main_text(page)
    for office in ("Palembang", "Muara Enim"):
        assert office in text
    for words in (regular, express, permit):
        assert text.count(words) == 2, words  # at both offices
    assert page.errors == []


def test_page_updates_in_place_after_the_state_changes(browser, live_server):
    enter("all-down")
    page = open_page(browser, live_server.url)
    assert "Hari ini Anda dapat" not in main_text(page)
    page.evaluate("window.sameDocument = true")
    favicon = page.get_attribute("#favicon", "href")

    enter("partial")
    page.wait_for_function(
        "() => document.querySelector('main').innerText.includes("
        "'Hari ini Anda dapat: wawancara, biometrik, foto.')",
        timeout=15000,
    )
    assert page.evaluate("window.sameDocument") is True  # no reload
    assert page.get_attribute("main", "data-refreshes") == "1"
    headline = page.inner_text("#live-headline")
    assert "Layanan terbatas: pemeriksaan cekal dan pencetakan paspor menunggu pemulihan" in (
        headline
    )
    assert page.get_attribute("#favicon", "href") != favicon
    assert "favicon-partial" in page.get_attribute("#favicon", "href")
    assert page.errors == []


def test_a_new_snapshot_without_changes_only_moves_the_updated_time(browser, live_server):
    enter("partial")
    page = open_page(browser, live_server.url)
    later = recompute(now=timezone.now() + timedelta(minutes=7)).snapshot.generated_at
    with translation.override("id"):
        expected = format_datetime(later)
    assert page.inner_text("#updated-at") != expected
    page.wait_for_function(
        "text => document.getElementById('updated-at').textContent === text",
        arg=expected,
        timeout=15000,
    )
    # The status document's ETag follows its content: 304s, no fetch of the page was needed.
    assert page.get_attribute("main", "data-refreshes") is None
    assert page.evaluate("Number(document.querySelector('main').dataset.polls)") >= 1
    assert page.errors == []


def test_the_page_says_when_it_cannot_refresh_itself(browser, live_server):
    enter("partial")
    page = open_page(browser, live_server.url)
    assert page.is_hidden("#offline")
    page.route("**/api/v1/status/**", lambda route: route.abort())
    page.wait_for_selector("#offline", state="visible", timeout=15000)
    assert "tidak dapat memperbarui diri" in page.inner_text("#offline")
    page.unroute("**/api/v1/status/**")
    page.wait_for_selector("#offline", state="hidden", timeout=15000)


def test_english_switch_sticks_across_pages_and_visits(browser, live_server):
    enter("partial")
    page = open_page(browser, live_server.url)
    assert page.get_attribute("html", "lang") == "id"
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "Today you can: interview, biometrics, photo." in main_text(page)
    page.click("text=Contacts, what to bring, stages, opening hours and history of Kantor Imigrasi")
    page.wait_for_selector("h2:has-text('Today at this office')")
    assert page.get_attribute("html", "lang") == "en"
    page.goto(live_server.url + "/")
    assert "Services are limited" in main_text(page)
    page.click("text=Bahasa Indonesia")
    page.wait_for_selector("html[lang=id]")
    assert "Layanan terbatas" in main_text(page)


def test_english_page_refreshes_in_english(browser, live_server):
    enter("all-down")
    page = open_page(browser, live_server.url)
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    enter("partial")
    page.wait_for_function(
        "() => document.querySelector('main').innerText.includes("
        "'Today you can: interview, biometrics, photo.')",
        timeout=15000,
    )
    assert "Hari ini" not in main_text(page)


@pytest.mark.parametrize(
    "path", ["/", "/wilayah/sumsel/", "/kantor/palembang/", "/kantor/muara-enim/", "advisory"]
)
def test_no_horizontal_scroll_at_360_px(browser, live_server, path):
    set_systems(now=timezone.now() - timedelta(hours=2), pdn="degraded", cekal="down")
    recompute()  # stale: the banner is shown as well
    advisory = publish_advisory()
    if path == "advisory":
        path = f"/pengumuman/{advisory.pk}/"
    page = open_page(browser, live_server.url + path, width=360)
    assert page.is_visible(".banner.stale")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_national_overview_updates_in_place_and_leads_to_a_region_page(browser, live_server):
    add_offices(NATIONAL)
    enter("all-down")
    page = open_page(browser, live_server.url, width=360, bypass_csp=True)
    sumsel = page.locator("section.region", has_text="Kanwil Kemenkumham Sumatera Selatan")
    assert sumsel.locator(".office-rows > li").count() == 2
    assert "Kantor Imigrasi Kelas I TPI Palembang Tutup" in " ".join(sumsel.inner_text().split())
    assert page.locator(".journey").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    page.evaluate("window.sameDocument = true")

    enter("partial")
    page.wait_for_function(
        "() => document.getElementById('live-headline').innerText.includes('Layanan terbatas')",
        timeout=15000,
    )
    assert page.evaluate("window.sameDocument") is True
    assert "Kantor Imigrasi Kelas I TPI Palembang Terbatas" in " ".join(sumsel.inner_text().split())
    assert axe_violations(page) == []

    page.click("text=Kanwil Kemenkumham Sumatera Selatan")
    page.wait_for_selector("h1:has-text('Kanwil Kemenkumham Sumatera Selatan')")
    text = main_text(page)
    for office in (
        "Kantor Imigrasi Kelas I TPI Palembang",
        "Kantor Imigrasi Kelas II Non TPI Muara",
    ):
        assert office in text
    assert text.count("Hari ini Anda dapat: wawancara, biometrik, foto.") == 2
    assert "Surabaya" not in text and "Banda Aceh" not in text
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    assert axe_violations(page) == []
    assert page.errors == []


def test_history_bars_show_their_figure_on_focus_and_move_with_arrow_keys(browser, live_server):
    enter("partial")
    page = open_page(browser, live_server.url + "/kantor/palembang/")
    bars = page.locator("ol.bars").first.locator("li")
    assert bars.count() == 90
    assert (
        page.evaluate(
            "[...document.querySelectorAll('ol.bars')[0].children]"
            ".filter(li => li.tabIndex === 0).length"
        )
        == 1
    )
    bars.nth(89).focus()
    assert bars.nth(89).locator(".tip").is_visible()
    page.keyboard.press("ArrowLeft")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == bars.nth(88).inner_text()
    assert bars.nth(88).locator(".tip").is_visible()


@pytest.mark.parametrize("width", [360, 1280])
def test_axe_finds_no_wcag_violations(browser, live_server, width):
    enter("partial")
    advisory = publish_advisory()
    source = AXE.read_text()
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    for path in ("/", "/wilayah/sumsel/", "/kantor/palembang/", f"/pengumuman/{advisory.pk}/"):
        for lang in ("id", "en"):
            context.add_cookies(
                [
                    {
                        "name": django_settings.LANGUAGE_COOKIE_NAME,
                        "value": lang,
                        "url": live_server.url,
                    }
                ]
            )
            page.goto(live_server.url + path)
            page.add_script_tag(content=source)
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
            )
            violations = [
                {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]
            ]
            assert violations == [], f"{path} ({lang}): {json.dumps(violations)}"
            assert len(result["passes"]) > 10


def test_pages_work_without_javascript(browser, live_server):
    enter("partial")
    page = open_page(browser, live_server.url, java_script_enabled=False)
    assert "Hari ini Anda dapat: wawancara, biometrik, foto." in main_text(page)
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "Today you can: interview, biometrics, photo." in main_text(page)
    assert published().snapshot.stale is False


# --- Through the real poller ------------------------------------------------------------------


@pytest.fixture
def poller(request, settings, live_server, tmp_path) -> Iterator[None]:
    """A real Celery worker and beat polling the simulator served by ``live_server``."""
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("redis_url")
    elif os.environ.get("CI_REQUIRE_SERVICES") == "1":
        missing("Redis (REDIS_URL)")
    url = point_poller_at(settings, live_server.url)
    env = stack_env(
        url,
        POLL_INTERVAL_SECONDS=1.0,
        STALE_AFTER_SECONDS=30.0,
        RECOVER_THRESHOLD=1,
        HEALTH_CONNECT_TIMEOUT=0.5,
        HEALTH_READ_TIMEOUT=0.5,
    )
    with running_stack(env, tmp_path):
        yield


def test_flipping_the_simulated_pdn_updates_a_phone_page_in_place(
    browser, live_server, poller, client
):
    call_command("pdn", "set", "down", "--cekal", "down")
    wait_until(
        lambda: "dihentikan sementara" in client.get("/").content.decode(), 60, "the first poll"
    )
    page = open_page(browser, live_server.url, width=360)
    page.evaluate("window.sameDocument = true")

    call_command("pdn", "set", "degraded", "--cekal", "down")
    page.wait_for_function(
        "() => document.querySelector('main').innerText.includes("
        "'Hari ini Anda dapat: wawancara, biometrik, foto.')",
        timeout=60000,
    )
    assert page.evaluate("window.sameDocument") is True
    assert "pencetakan paspor menunggu pemulihan" in page.inner_text("#live-headline")

    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "Today you can: interview, biometrics, photo." in main_text(page)
    assert page.errors == []


def test_a_copy_older_than_the_staleness_limit_shows_the_stale_banner(browser, live_server):
    """A page served from a cache while the portal is down tells its age by the visitor's
    clock: here the browser's clock is two staleness limits ahead of the page's data."""
    enter("partial")
    fresh = open_page(browser, live_server.url)
    assert fresh.is_hidden("#live-fresh .banner.stale")
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    ahead = timezone.now() + timedelta(seconds=2 * django_settings.STALE_AFTER_SECONDS)
    page.clock.set_fixed_time(ahead)
    page.goto(live_server.url)
    assert page.is_visible("#live-fresh .banner.stale")
    context.close()
