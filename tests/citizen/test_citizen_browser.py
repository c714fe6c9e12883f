"""The citizen's answer in real Chromium at 360×640: the decision on the first screen, the
contacts, finding an office without JavaScript, live updates that keep focus and say what
changed, one alert for staleness, visible focus, honest history bars, and axe-core."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from offices.models import Office
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = [
    pytest.mark.integration,
    # Seed rows come from a data migration: restore them after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 640}
PHASES = {
    "all-down": {"pdn": "down", "cekal": "down"},
    "partial": {"pdn": "degraded", "cekal": "down"},
    "cekal-back": {"pdn": "degraded", "cekal": "up"},
    "recovered": {"pdn": "up", "cekal": "up"},
}
PALEMBANG = "Kantor Imigrasi Kelas I TPI Palembang"


def enter(phase: str) -> None:
    set_systems(**PHASES[phase])
    recompute()


def go_stale() -> None:
    """Observations older than the staleness limit: what the portal knew stays recorded."""
    set_systems(
        now=timezone.now() - timedelta(seconds=2 * django_settings.STALE_AFTER_SECONDS),
        **PHASES["partial"],
    )
    recompute()


@pytest.fixture(autouse=True)
def _live_settings(live_browser_settings):
    live_browser_settings.POLL_INTERVAL_SECONDS = 1.0


def phone_page(browser, url: str, lang: str = "id", **options):
    context = browser.new_context(viewport=PHONE, **options)
    site = re.match(r"https?://[^/]+", url).group(0)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": site}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def words(page, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


# --- 1. The decision first ------------------------------------------------------------------


@pytest.mark.parametrize("script", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_the_office_page_answers_every_service_on_the_first_screen(
    browser, live_server, phase, script
):
    enter(phase)
    page = phone_page(browser, live_server.url + "/kantor/palembang/", java_script_enabled=script)
    decisions = page.locator(".decision")
    assert decisions.count() >= 3
    for index in range(decisions.count()):
        box = decisions.nth(index).bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], decisions.nth(index).inner_text()
    today = words(page, ".today")
    if phase == "partial":
        assert "Hari ini Anda dapat: wawancara, biometrik, foto." in today
        assert "Belum: pemeriksaan cekal dan pencetakan paspor; kembali setelah PDN" in today
    if phase == "recovered":
        assert today.count("Hari ini layanan ini dapat diselesaikan sepenuhnya.") == 3
    assert page.errors == []


LONG_TITLE = (
    "Pencetakan paspor tertunda di semua kantor karena gangguan Pusat Data Nasional; "
    "wawancara, biometrik dan foto tetap dilayani seperti biasa"
)
LONG_TITLE_EN = "Passport printing is delayed at every office by the National Data Centre outage"
SEVERITY_MAJOR = {"id": "Berat", "en": "Major"}
FIRST_ANSWER = {
    "id": "Hari ini Anda dapat: wawancara, biometrik, foto.",
    "en": "Today you can: interview, biometrics, photo.",
}


def active_advisory() -> Advisory:
    """A published advisory for every office, with a title too long for one line and a body."""
    return Advisory.objects.create(
        title_id=LONG_TITLE,
        title_en=LONG_TITLE_EN,
        body_id="Paspor dicetak setelah PDN pulih.\n\nDatang sesuai jadwal: tahap lain jalan.",
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=timezone.now() - timedelta(hours=1),
    )


def advisory_line(page, advisory: Advisory, lang: str = "id"):
    """The advisory's title link, checked to be on the first screen, in a heading with its
    severity in words, and readable (4.5:1) on the card."""
    title = {"id": LONG_TITLE, "en": LONG_TITLE_EN}[lang]
    heading = page.get_by_role("heading", name=f"{SEVERITY_MAJOR[lang]}: {title}")
    link = heading.get_by_role("link", name=title)
    assert link.get_attribute("href") == f"/pengumuman/{advisory.pk}/"
    assert link.is_visible()
    box = link.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    ground = page.evaluate(
        "getComputedStyle(document.querySelector('#live-advisories .advisory')).backgroundColor"
    )
    for part in (".severity", "a"):
        colour = page.evaluate(
            "s => getComputedStyle(document.querySelector('#live-advisories ' + s)).color", part
        )
        assert contrast(colour, ground) >= 4.5, (part, colour, ground)
    return link


@pytest.mark.parametrize("script", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("advisory", [False, True], ids=["no-advisory", "advisory"])
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("path", ["/", "/wilayah/sumsel/"], ids=["overview", "region"])
def test_the_first_answer_ends_on_the_first_screen(
    browser, live_server, path, lang, advisory, script
):
    published = active_advisory() if advisory else None
    enter("partial")  # the snapshot carries the advisories published before it
    page = phone_page(browser, live_server.url + path, lang=lang, java_script_enabled=script)
    first = page.locator(".office").first.locator(".service .sentence").first
    assert FIRST_ANSWER[lang] in first.inner_text()
    box = first.bounding_box()
    bottom = box["y"] + box["height"]
    assert bottom <= PHONE["height"], f"the first answer ends at {bottom:.0f} px"
    if published:
        advisory_line(page, published, lang)
        assert "Paspor dicetak" not in words(page, "main")  # the body is on its own page
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    assert page.errors == []


def test_a_region_page_shows_an_active_advisory_in_one_line_live_updates_included(
    browser, live_server
):
    advisory = active_advisory()
    enter("partial")
    page = phone_page(browser, live_server.url + "/wilayah/sumsel/")
    assert page.locator("#live-advisories .advisory").bounding_box()["height"] < 40
    enter("cekal-back")  # the script swaps #live-advisories in place with the new page's
    page.wait_for_function("() => document.querySelector('main').dataset.refreshes === '1'")
    assert page.locator("#live-advisories .advisory").bounding_box()["height"] < 40
    advisory_line(page, advisory).click()
    page.wait_for_url(f"**/pengumuman/{advisory.pk}/")
    assert words(page, "h1") == LONG_TITLE
    assert "Paspor dicetak setelah PDN pulih." in words(page, "main")
    assert page.errors == []


def test_an_active_advisory_keeps_its_card_below_the_office_page_answers(browser, live_server):
    active_advisory()
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    decisions = page.locator(".decision")
    last = decisions.nth(decisions.count() - 1).bounding_box()
    assert last["y"] + last["height"] <= PHONE["height"]
    assert "Paspor dicetak setelah PDN pulih." in words(page, "#live-advisories .advisory")


# --- 2. Contacts ----------------------------------------------------------------------------


def test_contacts_are_links_a_phone_can_follow(browser, live_server):
    Office.objects.filter(code="palembang").update(
        phone="0711 123456", whatsapp="628123456789", email="kanim@example.go.id"
    )
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    page.click("text=Telepon, WhatsApp dan e-mail kantor ini")
    assert page.evaluate("location.hash") == "#kontak"
    contacts = page.locator(".contacts")
    assert contacts.locator("a[href='tel:0711123456']").is_visible()
    assert contacts.locator("a[href='https://wa.me/628123456789']").is_visible()
    assert contacts.locator("a[href='mailto:kanim@example.go.id']").is_visible()
    assert "Peta belum tercatat" in words(page, ".contacts")


# --- 4. Find my office ----------------------------------------------------------------------


def test_find_an_office_without_javascript(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url, java_script_enabled=False)
    page.fill("#find-q", "muara")
    page.press("#find-q", "Enter")
    page.wait_for_selector("h1:has-text('Cari kantor')")
    assert "1 kantor untuk “muara”" in words(page, "main")
    page.click("text=Kantor Imigrasi Kelas II Non TPI Muara Enim")
    page.wait_for_selector("h1:has-text('Muara Enim')")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]


def test_the_last_office_opened_is_offered_first(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/muara-enim/")
    page.goto(live_server.url + "/")
    offer = page.locator("#last-office")
    assert offer.is_visible()
    assert words(page, "#last-office") == (
        "Kantor yang terakhir Anda buka: Kantor Imigrasi Kelas II Non TPI Muara Enim"
    )
    assert offer.locator("a").get_attribute("href") == "/kantor/muara-enim/"
    above = page.evaluate(
        "document.getElementById('last-office').compareDocumentPosition("
        "document.querySelector('form.search')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert above
    # The page itself is the same for everyone: the offer lives in this browser only.
    assert 'id="last-office" hidden' in page.context.request.get(live_server.url + "/").text()


# --- 5. Stale without losing what is known --------------------------------------------------


def test_a_stale_office_page_keeps_the_last_known_state_and_stays_short(browser, live_server):
    enter("partial")
    fresh = phone_page(browser, live_server.url + "/kantor/palembang/", java_script_enabled=False)
    fresh_height = fresh.evaluate("document.documentElement.scrollHeight")
    go_stale()
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    stages = words(page, ".stages")
    assert "Wawancara Buka" in stages and "Pencetakan paspor Tutup" in stages
    assert words(page, "main").count("Status belum dapat dipastikan") <= 3
    # The banner and one note per section, not a "cannot be confirmed" per line.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height - fresh_height < 400, (fresh_height, height)


# --- 6. Honest history ----------------------------------------------------------------------


def test_history_bars_are_wide_enough_and_one_tab_stop_without_javascript(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/", java_script_enabled=False)
    widths = page.evaluate("[...document.querySelectorAll('ol.bars li')].map(li => li.offsetWidth)")
    assert len(widths) == 90 * page.locator("ol.bars").count() and min(widths) >= 6
    stops_in_history = (
        "[...document.querySelectorAll('a[href], button, input, [tabindex]')]"
        ".filter(e => e.tabIndex >= 0 && e.closest('.history'))"
    )
    stages = page.locator("ol.bars").count()
    # Without JavaScript each stage's bars are one tab stop: the list, named by its stage.
    assert page.evaluate(f"{stops_in_history}.map(e => e.tagName)") == ["OL"] * stages
    page.keyboard.press("Tab")
    for _ in range(60):
        if page.evaluate("document.activeElement.matches('ol.bars')"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-labelledby')") == (
        page.locator("ol.bars").first.get_attribute("aria-labelledby")
    )
    assert page.evaluate("document.querySelectorAll('a[href], [tabindex]').length") < 60

    # With it, one day per stage is the tab stop (the arrow keys move between days).
    scripted = phone_page(browser, live_server.url + "/kantor/palembang/")
    assert scripted.evaluate(f"{stops_in_history}.map(e => e.tagName)") == ["LI"] * stages
    per_stage = scripted.evaluate(
        "[...document.querySelectorAll('ol.bars')]"
        ".map(ol => [...ol.children].filter(li => li.tabIndex === 0).length)"
    )
    assert per_stage and set(per_stage) == {1}


def test_closed_and_open_differ_by_more_than_hue(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    open_colour, closed_image = page.evaluate(
        """() => {
          const li = document.querySelector('ol.bars li');
          const closed = document.createElement('li');
          closed.className = 'c20';
          li.parentNode.appendChild(closed);
          return [getComputedStyle(li).backgroundColor,
                  getComputedStyle(closed, '::before').backgroundImage];
        }"""
    )
    stripes = re.findall(r"rgb\(\d+, \d+, \d+\)", closed_image)
    assert stripes, closed_image  # a pattern, not a flat colour
    assert min(contrast(open_colour, s) for s in stripes) >= 3


def contrast(a: str, b: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- 7. Live updates that respect the reader ------------------------------------------------


def test_an_update_keeps_focus_and_scroll_and_says_what_changed_once(browser, live_server):
    enter("all-down")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    link = page.locator(".contact-line a")
    link.focus()
    page.evaluate("window.scrollTo(0, 120)")
    before = page.evaluate("[window.scrollY, document.activeElement.getBoundingClientRect().top]")
    page.evaluate(
        """() => {
          window.said = [];
          new MutationObserver(() => window.said.push(
            document.getElementById('announcer').textContent
          )).observe(document.getElementById('announcer'), {childList: true, subtree: true,
                                                            characterData: true});
        }"""
    )

    enter("partial")
    page.wait_for_function("() => document.querySelector('main').dataset.refreshes === '1'")
    assert page.evaluate("document.activeElement.closest('.contact-line') !== null")
    after = page.evaluate("[window.scrollY, document.activeElement.getBoundingClientRect().top]")
    assert after[1] == pytest.approx(before[1], abs=1)  # the focused link did not move
    said = page.evaluate("window.said")
    assert len(said) == 1
    assert f"Foto di {PALEMBANG} kini buka" in said[0]
    assert f"Paspor reguler di {PALEMBANG} kini terbatas" in said[0]
    assert said[0].count(f"Foto di {PALEMBANG}") == 1
    assert page.errors == []


def test_going_stale_raises_one_alert(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    assert page.locator("[role=alert]").count() == 1
    assert page.inner_text("#alerter") == ""
    go_stale()
    page.wait_for_selector("#stale-banner", state="visible")
    assert page.locator("[role=alert]").count() == 1
    assert page.inner_text("#alerter") == "Status belum dapat dipastikan."


@pytest.mark.parametrize("selector", [".lang a", ".brand a", "footer.site a", ".crumbs a"])
def test_the_focus_ring_shows_everywhere(browser, live_server, selector):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/")
    page.keyboard.press("Tab")  # keyboard use: :focus-visible applies
    page.locator(selector).first.focus()
    ring, width, ground = page.evaluate(
        """s => {
          const el = document.querySelector(s);
          const style = getComputedStyle(el);
          let node = el, bg = 'rgba(0, 0, 0, 0)';
          while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
            bg = getComputedStyle(node).backgroundColor;
            node = node.parentElement;
          }
          return [style.outlineColor, parseFloat(style.outlineWidth), bg];
        }""",
        selector,
    )
    assert width >= 2
    assert contrast(ring, ground) >= 3, (ring, ground)


# --- Languages and axe-core -----------------------------------------------------------------


def test_english_pages_mark_indonesian_names(browser, live_server):
    enter("partial")
    page = phone_page(browser, live_server.url + "/kantor/palembang/", lang="en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1 [lang=id]").inner_text() == PALEMBANG
    in_sentences = page.evaluate(
        "[...document.querySelectorAll('.decision [lang=id], .headline [lang=id]')]"
        ".map(e => e.textContent)"
    )
    assert "sistem cekal" in in_sentences, in_sentences
    page.goto(live_server.url + "/")
    marked = page.evaluate(
        "[...document.querySelectorAll('.systems [lang=id]')].map(e => e.textContent)"
    )
    assert "Sistem cekal (cegah tangkal)" in marked, page.inner_html(".systems")


def ended_advisory() -> Advisory:
    now = timezone.now()
    return Advisory.objects.create(
        title_id="Gangguan PDN",
        title_en="PDN outage",
        body_id="Layanan paspor dihentikan sementara.",
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=now - timedelta(days=2),
        published_until=now - timedelta(hours=1),
    )


@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale"])
def test_axe_finds_nothing_on_any_public_page(browser, live_server, stale):
    enter("partial")
    if stale:
        go_stale()
    ended = ended_advisory()
    source = AXE.read_text()
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    paths = [
        "/",
        "/wilayah/sumsel/",
        "/kantor/palembang/",
        "/kantor/muara-enim/",
        "/cari/",
        "/cari/?q=palembang",
        f"/pengumuman/{ended.pk}/",
        "/tidak-ada/",
    ]
    for lang in ("id", "en"):
        context.add_cookies(
            [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
        )
        for path in paths:
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
            assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"], path
