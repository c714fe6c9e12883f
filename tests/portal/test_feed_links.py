"""Pages announce their Atom feeds with <link rel="alternate">, and the links work."""

from __future__ import annotations

import re

import pytest

from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def alternates(html: str) -> list[str]:
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)"', html
    )


def test_overview_links_the_advisory_feed(client):
    set_systems(pdn="up", cekal="up")
    links = alternates(client.get("/").content.decode())
    assert links == ["/feeds/advisories.atom?lang=id"]
    assert client.get(links[0]).status_code == 200


def test_office_page_links_its_status_feed_too(client):
    set_systems(pdn="up", cekal="up")
    html = client.get("/kantor/muara-enim/").content.decode()
    links = alternates(html)
    assert links == ["/feeds/advisories.atom?lang=id", "/feeds/offices/muara-enim.atom?lang=id"]
    assert "Perubahan status layanan: Kantor Imigrasi Kelas II Non TPI Muara Enim" in html
    feed = client.get(links[1])
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_linked_feed_calls_itself_by_the_address_it_is_linked_at(client, settings, lang):
    """The W3C validator's SelfDoesntMatchLocation: the ``self`` link is the fetched URL."""
    set_systems(pdn="up", cekal="up")
    client.get(f"/bahasa/{lang}/")
    links = alternates(client.get("/kantor/palembang/").content.decode())
    assert len(links) == 2 and all(link.endswith(f"?lang={lang}") for link in links)
    for link in links:
        body = client.get(link).content.decode()
        selves = re.findall(r'<link href="([^"]+)" rel="self"', body)
        assert selves == [settings.SITE_URL + link]
