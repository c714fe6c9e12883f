"""The staff admin on a phone (Chromium at 360 px, touch): taps only, no sideways scrolling,
no word split mid-word, tap targets of 44 px, and axe-core finds nothing on the home page
and the override, closure, advisory and declaration forms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from offices.models import Office
from portal.models import Advisory
from services.choices import SystemState
from services.models import Override, UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems
from tests.offices.staff import PASSWORD, office_staff, regional_staff

pytestmark = [
    pytest.mark.integration,
    # Seed rows (offices, staff groups) come from data migrations: restore them after a flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}
CLOSE_REASON = "Mesin cetak rusak, teknisi dalam perjalanan"
REOPEN_REASON = "Mesin cetak sudah diperbaiki"

# Words (between spaces) drawn on more than one line: a word split mid-word. Words with a
# hyphen or a slash may break there, as a reader expects.
SPLIT_WORDS = """() => {
  const root = document.querySelector('#content') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const split = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = getComputedStyle(node.parentElement);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const re = /[^\\s\\-\\/]+/g;
    for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      const lines = new Set(rects.map(r => Math.round(r.top)));
      if (lines.size > 1) split.push(m[0]);
    }
  }
  return split;
}"""

# Controls staff tap, smaller than 44 × 44 CSS pixels (a radio button or a tick box is
# tapped through the label around it).
SMALL_TARGETS = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.offsetParent !== null)
  .map(el => ['radio', 'checkbox'].includes(el.type) && el.closest('label') || el)
  .map(el => [el.textContent.trim() || el.value || el.name, el.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44)
  .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""
TAPPED = (
    ".sli-tap, .submit-row input[type=submit], #login-form [type=submit], .sli-language button,"
    " .sli-form textarea, .sli-form input:not([type=hidden]), .sli-form select,"
    " .form-row input:not([type=hidden]), .form-row select, .form-row textarea"
)


@pytest.fixture(autouse=True)
def _live_settings(live_browser_settings):
    """Keep observations fresh and serve static files by their source names."""


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(locale="id-ID", **PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def tap_in(page, base: str, username: str) -> None:
    """Log in with taps and the on-screen keyboard."""
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.tap("#id_username")
    page.keyboard.type(username)
    page.tap("#id_password")
    page.keyboard.type(PASSWORD)
    page.tap("#login-form [type=submit]")
    page.wait_for_url(f"{base}/admin/")


def assert_fits_a_phone(page) -> None:
    """No sideways scrolling, no word split mid-word, every tapped control 44 px or more."""
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths == [360, 360], f"{page.url}: scroll width {widths[0]} at 360 px"
    assert page.evaluate(SPLIT_WORDS) == [], page.url
    assert page.evaluate(SMALL_TARGETS, TAPPED) == [], page.url


def printing(page, base: str) -> dict:
    status = page.request.get(f"{base}/api/v1/status/").json()
    office = next(o for o in status["offices"] if o["code"] == "palembang")
    return next(s for s in office["stages"] if s["code"] == "printing")


def test_office_staff_close_and_reopen_a_stage_with_taps_only(phone, live_server):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    office_staff("staff-palembang", "palembang")
    base = live_server.url
    tap_in(phone, base, "staff-palembang")
    assert_fits_a_phone(phone)
    stage = phone.locator("#office-palembang li[data-stage=printing]")
    assert "Buka" in stage.inner_text()

    # Close: the quick action asks for a reason (and, optionally, until when), nothing else.
    stage.get_by_text("Tutup tahap ini…").tap()
    phone.wait_for_url(f"{base}/admin/quick/palembang/printing/close/")
    assert_fits_a_phone(phone)
    fields = "form.sli-form textarea, form.sli-form input:not([type=hidden]):not([type=submit])"
    assert phone.locator(fields).count() == 2  # the reason, and until when
    phone.tap("#id_reason")
    phone.keyboard.type(CLOSE_REASON)
    phone.get_by_role("button", name="Tutup tahap").tap()
    phone.wait_for_url(f"{base}/admin/#office-palembang")
    assert "Pencetakan paspor ditutup" in phone.inner_text("ul.messagelist")
    text = stage.inner_text()
    assert "Tutup" in text and CLOSE_REASON in text and "Penetapan staf" in text
    assert (printing(phone, base)["state"], printing(phone, base)["reason"]) == (
        "closed",
        CLOSE_REASON,
    )

    # Reopen, again with a reason.
    stage.get_by_text("Buka kembali").tap()
    phone.wait_for_url(f"{base}/admin/quick/palembang/printing/reopen/")
    phone.tap("#id_reason")
    phone.keyboard.type(REOPEN_REASON)
    phone.get_by_role("button", name="Buka tahap").tap()
    phone.wait_for_url(f"{base}/admin/#office-palembang")
    assert "Buka" in stage.inner_text() and CLOSE_REASON not in stage.inner_text()
    assert printing(phone, base)["state"] == "open"
    # The closing override is cleared (kept in history), and the reopening is on record.
    closing = Override.objects.get(state="closed")
    assert closing.cleared_at is not None and closing.cleared_by.username == "staff-palembang"
    phone.goto(f"{base}/admin/audit/?office=palembang")
    assert REOPEN_REASON in phone.inner_text("#audit-table")
    assert phone.errors == []


def test_a_quick_action_without_a_reason_says_what_to_do(phone, live_server):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    office_staff("staff-palembang", "palembang")
    base = live_server.url
    tap_in(phone, base, "staff-palembang")
    phone.goto(f"{base}/admin/quick/palembang/printing/close/")
    phone.get_by_role("button", name="Tutup tahap").tap()
    phone.wait_for_selector(".errornote")
    assert "Periksa isian di bawah ini" in phone.inner_text(".errornote")
    assert printing(phone, base)["state"] == "open"
    assert not Override.objects.exists()


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    assert len(result["passes"]) > 10
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_home_and_the_four_forms_fit_a_phone_and_pass_axe(browser, live_server, language):
    set_systems(pdn=SystemState.DEGRADED, cekal=SystemState.DOWN)
    recompute()
    regional_staff("kanwil-sumsel")
    palembang = Office.objects.get(code="palembang")
    advisory = Advisory.objects.create(title_id="Gangguan PDN", title_en="PDN outage")
    advisory.offices.add(palembang)
    base = live_server.url
    context = browser.new_context(bypass_csp=True, **PHONE)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    )
    page = context.new_page()
    tap_in(page, base, "kanwil-sumsel")
    pages = {
        "home": "/admin/",
        "override": f"/admin/services/override/add/?offices={palembang.pk}",
        "closure": f"/admin/offices/officeclosure/add/?offices={palembang.pk}",
        "advisory": f"/admin/portal/advisory/{advisory.pk}/change/",
        "quick action": "/admin/quick/palembang/printing/close/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == language
        assert_fits_a_phone(page)
        violations = axe_violations(page)
        assert violations == [], f"{name} ({language}): {json.dumps(violations)}"

    # The declaration form: the systems list's action, confirmed on its own page.
    page.goto(f"{base}/admin/services/upstreamsystem/")
    pdn = UpstreamSystem.objects.get(code="pdn")
    page.check(f"input[name=_selected_action][value='{pdn.pk}']")
    page.select_option("select[name=action]", "declare_state")
    page.click("button[name=index]")
    page.wait_for_selector("form.sli-form textarea[name=reason]")
    assert_fits_a_phone(page)
    violations = axe_violations(page)
    assert violations == [], f"declaration ({language}): {json.dumps(violations)}"
    context.close()
