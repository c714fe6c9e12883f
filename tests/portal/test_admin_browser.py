"""Office staff close printing from the admin in real Chromium; the public sees it at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offices.models import Office
from services.choices import SystemState
from services.snapshot import recompute
from tests.factories import set_systems
from tests.offices.staff import PASSWORD, office_staff

pytestmark = [
    pytest.mark.integration,
    # Seed rows (offices, staff groups) come from data migrations: restore them after a flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "Mesin cetak rusak, teknisi dalam perjalanan"


@pytest.fixture(autouse=True)
def _live_settings(live_browser_settings):
    """Keep observations fresh and serve static files by their source names."""


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    yield context.new_page()


def printing_at(api: dict, office: str) -> dict:
    entry = next(o for o in api["offices"] if o["code"] == office)
    return next(s for s in entry["stages"] if s["code"] == "printing")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_office_staff_close_printing_and_the_public_sees_it_at_once(page, live_server):
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    recompute()
    office_staff("staff-palembang", "palembang")
    palembang = Office.objects.get(code="palembang")
    base = live_server.url
    assert (
        printing_at(page.request.get(f"{base}/api/v1/status/").json(), "palembang")["state"]
        == "open"
    )

    log_in(page, base, "staff-palembang")
    home = page.locator("#office-palembang")
    assert "Buka" in home.locator("li[data-stage=printing]").inner_text()

    # The bulk action on the office list asks for a reason on a confirmation page.
    page.goto(f"{base}/admin/offices/office/")
    page.check(f"input[name=_selected_action][value='{palembang.pk}']")
    page.select_option("select[name=action]", "close_printing")
    page.click("button[name=index]")
    page.fill("textarea[name=reason]", REASON)
    page.click("input[type=submit][value='Ya, lanjutkan']")
    assert "Pencetakan ditutup di 1 kantor." in page.inner_text("ul.messagelist")

    # The admin home, the public page and the API say so on the very next request.
    page.goto(f"{base}/admin/")
    row = page.locator("#office-palembang li[data-stage=printing]").inner_text()
    assert "Tutup" in row and "Penetapan staf" in row and REASON in row
    page.goto(f"{base}/")
    assert REASON in page.inner_text("main")
    printing = printing_at(page.request.get(f"{base}/api/v1/status/").json(), "palembang")
    assert (printing["state"], printing["reason"]) == ("closed", REASON)
    other = printing_at(page.request.get(f"{base}/api/v1/status/").json(), "muara-enim")
    assert other["state"] == "open"

    # The audit view says who did it and why.
    page.goto(f"{base}/admin/audit/?office=palembang")
    rows = page.locator("#audit-table tbody tr", has_text=REASON)
    assert rows.count() >= 2  # the status change and the admin log entry
    assert all("staff-palembang" in rows.nth(i).inner_text() for i in range(rows.count()))
