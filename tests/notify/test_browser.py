"""The sign-up pages in real Chromium, without JavaScript: subscribe from an office page,
confirm from the mail, unsubscribe from the mail's link; axe-core finds no WCAG 2.1 AA
violation on any of them, in either language, on a phone."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings as django_settings

from notify.models import Subscriber
from tests.factories import set_systems
from tests.portal.test_browser import AXE, WCAG_TAGS

from .conftest import deliver_due

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_subscribe_confirm_and_unsubscribe_without_javascript(
    browser, live_server, live_browser_settings, smtp, lang
):
    live_browser_settings.SITE_URL = live_server.url  # the mails' links
    set_systems(pdn="up", cekal="up")
    context = browser.new_context(viewport={"width": 360, "height": 900}, java_script_enabled=False)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + "/kantor/muara-enim/")
    page.click("a[href='/langganan/?kantor=muara-enim']")
    assert page.locator("select[name=office]").input_value() == "muara-enim"
    page.fill("input[name=email]", "bukan-alamat")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").count() >= 1  # refused, said next to the field
    page.fill("input[name=email]", "warga@example.id")
    page.check("input[name=services][value=passport-regular]")
    page.click("button[type=submit]")
    assert page.url.endswith("/langganan/terkirim/")

    deliver_due()
    (mail,) = smtp.to("warga@example.id")
    link = re.search(r"/langganan/konfirmasi/\S+/", mail.get_content()).group(0)
    page.goto(live_server.url + link)
    subscriber = Subscriber.objects.get()
    assert subscriber.active and subscriber.language == lang
    assert [s.code for s in subscriber.services.all()] == ["passport-regular"]
    page.click("a[href*='/langganan/berhenti/']")
    page.click("button[type=submit]")
    assert not Subscriber.objects.get().active
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize("lang", ["id", "en"])
def test_axe_finds_no_wcag_violations_on_the_sign_up_pages(
    browser, live_server, live_browser_settings, smtp, lang
):
    live_browser_settings.SITE_URL = live_server.url  # the mails' links
    set_systems(pdn="up", cekal="up")
    # bypass_csp lets axe's script in (the page's Content-Security-Policy forbids inline ones)
    context = browser.new_context(viewport={"width": 360, "height": 900}, bypass_csp=True)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + "/langganan/?kantor=palembang")
    assert violations(page) == []
    page.fill("input[name=email]", "x")
    page.click("button[type=submit]")  # the form again, with its errors
    assert violations(page) == [], json.dumps(violations(page))
    page.fill("input[name=email]", "warga@example.id")
    page.click("button[type=submit]")
    assert violations(page) == []
    deliver_due()
    link = re.search(r"/langganan/konfirmasi/\S+/", smtp.messages[0].get_content()).group(0)
    for path in (link, "/langganan/konfirmasi/rusak/"):
        page.goto(live_server.url + path)
        assert violations(page) == [], path
    page.goto(live_server.url + link)
    page.click("a[href*='/langganan/berhenti/']")
    assert violations(page) == []
